import sqlalchemy as sa
from flask import render_template

from ..core.security import public
from ..extensions import db
from . import bp
from .models import Country, Organisation


@bp.get("/")
@public
def index():
    organisations = db.session.scalars(
        sa.select(Organisation).order_by(Organisation.country, Organisation.name)
    ).all()
    by_country = {
        country: [o for o in organisations if o.country == country] for country in Country
    }
    return render_template("partners/index.html", by_country=by_country)
