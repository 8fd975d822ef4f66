from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length

from ..core.forms import BaseForm

MAX_INTRODUCTION = 5000


class IntroductionForm(BaseForm):
    text_nl = TextAreaField(_l("Introduction in Dutch"), validators=[Length(max=MAX_INTRODUCTION)])
    text_de = TextAreaField(_l("Introduction in German"), validators=[Length(max=MAX_INTRODUCTION)])
    text_en = TextAreaField(
        _l("Introduction in English"), validators=[Length(max=MAX_INTRODUCTION)]
    )
