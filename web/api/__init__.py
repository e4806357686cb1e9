"""The JSON API under /api/v1, described by /api/v1/openapi.json (flask-smorest)."""

from flask import Flask
from werkzeug.routing import IntegerConverter
from flask_smorest import Api

from web.api.schemas import ErrorSchema
from web.errors import handle_http


class QareviewApi(Api):
    """flask-smorest, with every error in the SPEC's shape (and documented so)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return handle_http(error)


MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """A row id: 1 to 2**31 - 1; anything else cannot name a row, so the route answers 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def init(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.config.update(
        API_TITLE="qareview", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
    )
    api = QareviewApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"bearer": []}, {"session": []}]})
    api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    from web.api import audit, case_people, cases, concerns, reports, reviews, session
    for module in (session, cases, case_people, concerns, reviews, reports, audit):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    _document_configured_codes(api, app.extensions["qareview"].reference)


def _document_configured_codes(api: Api, reference) -> None:
    """The codes config/ defines (regions, concern types, elimination reasons) as enums in the OpenAPI
    document, so clients and fuzzers know what is valid: the schemas are built at import, the codes are
    this app's own. (The domain checks the values; this only describes them.)"""
    regions, types, reasons = sorted(reference.regions), sorted(reference.concern_types), \
        sorted(reference.elimination_reasons)
    schemas = api.spec.components.schemas
    for schema, field, codes in (("ConcernCreate", "type", types), ("ReviewCreate", "region", regions),
                                 ("CaseTransitionRequest", "reason", reasons),
                                 ("CaseTransitionRequest", "supporting_reason", reasons)):
        described = schemas[schema]["properties"][field]
        described["enum"] = [*codes, None] if described.get("nullable") else codes
