// Reads one RFC 5322 message on stdin with Nodemailer's mailparser and prints what a mail
// program would take from it, as JSON.
const { simpleParser } = require("mailparser");

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", async () => {
  const parsed = await simpleParser(Buffer.concat(chunks));
  const list = parsed.headers.get("list") || {};
  const out = {
    subject: parsed.subject,
    messageId: parsed.messageId,
    listUnsubscribe: list.unsubscribe || null,
    listId: list.id || null,
    listUnsubscribePost: (list["unsubscribe-post"] || {}).name || null,
    rawListUnsubscribe: (parsed.headerLines.find((h) => h.key === "list-unsubscribe") || {}).line || null,
  };
  process.stdout.write(JSON.stringify(out));
});
