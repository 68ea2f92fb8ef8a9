"""The specs in spec/ are valid OpenAPI 3.0 and agree with the seed examples."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from seeds import COMPLETED, ELIDED, FIXTURE_SCHEMAS, FIXTURES, ROOT, seed_examples

SPECS = sorted((ROOT / "spec").glob("*.yaml"))


def load(name):
    return yaml.safe_load((ROOT / "spec" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi_3_0(spec):
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.0")
    validate(document)


def nullable_without_type(schema):
    """Stripe's convention, `nullable: true` next to `anyOf` (no `type`), admits null: the
    wording of OpenAPI 3.0.0-3.0.2. Validators that follow the 3.0.3 clarification (nullable
    only acts with `type`) need it spelled out."""
    if isinstance(schema, dict):
        schema = {key: nullable_without_type(value) for key, value in schema.items()}
        if schema.get("nullable") is True and "type" not in schema:
            inner = {k: v for k, v in schema.items() if k != "nullable"}
            return {"anyOf": [{"enum": [None]}, inner]}
        return schema
    if isinstance(schema, list):
        return [nullable_without_type(item) for item in schema]
    return schema


def strict(schema):
    """The schema with undeclared properties forbidden wherever properties are declared, so
    a fixture property the spec does not describe fails validation."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def validator(spec_name, schema_name):
    spec = strict(nullable_without_type(load(spec_name)))
    root = {"components": spec["components"], "$ref": f"#/components/schemas/{schema_name}"}
    return OAS30Validator(root)


@pytest.mark.parametrize("name", sorted(FIXTURE_SCHEMAS))
def test_fixture_validates_against_spec(name):
    spec_name, schema_name = FIXTURE_SCHEMAS[name]
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    errors = sorted(validator(spec_name, schema_name).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def contains(whole, part, path="$"):
    """Every property and value `part` shows is in `whole` (elided objects show fewer)."""
    if isinstance(part, dict):
        assert isinstance(whole, dict), f"{path}: expected an object"
        for key, value in part.items():
            if key == ELIDED:
                continue
            assert key in whole, f"{path}.{key}: missing"
            contains(whole[key], value, f"{path}.{key}")
    elif isinstance(part, list):
        assert isinstance(whole, list) and len(whole) == len(part), f"{path}: list differs"
        for index, (w, p) in enumerate(zip(whole, part)):
            contains(w, p, f"{path}[{index}]")
    else:
        assert whole == part, f"{path}: {whole!r} != {part!r}"


@pytest.mark.parametrize("name", sorted(FIXTURE_SCHEMAS))
def test_fixture_agrees_with_its_seed(name):
    seed = seed_examples()[name]
    fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    if name in COMPLETED:
        contains(fixture, seed)
    else:
        assert fixture == seed


def test_elided_seed_objects_validate_with_what_they_show():
    """The expanded charge as the page shows it: each shown property has the right type."""
    seed = seed_examples()["charge_expanded"]

    def relax(schema):
        # An elided object shows only some properties: drop `required`, keep the types.
        if isinstance(schema, dict):
            return {k: relax(v) for k, v in schema.items() if k != "required"}
        if isinstance(schema, list):
            return [relax(v) for v in schema]
        return schema

    def without_markers(value):
        if isinstance(value, dict):
            return {k: without_markers(v) for k, v in value.items() if k != ELIDED}
        return value

    spec = nullable_without_type(load("stripe.yaml"))
    root = {"components": relax(spec["components"]), "$ref": "#/components/schemas/charge"}
    errors = list(OAS30Validator(root).iter_errors(without_markers(seed)))
    assert not errors, [e.message for e in errors]
    # And with an unexpanded id in place of an expanded object it is still a charge.
    collapsed = copy.deepcopy(without_markers(seed))
    collapsed["customer"] = collapsed["customer"]["id"]
    assert not list(OAS30Validator(root).iter_errors(collapsed))


def stripe_schemas():
    return load("stripe.yaml")["components"]["schemas"]


def test_seed_concepts_are_in_the_spec():
    spec = load("stripe.yaml")
    schemas = spec["components"]["schemas"]
    assert spec["servers"] == [{"url": "https://api.stripe.com"}]
    assert {"basicAuth", "bearerAuth"} <= set(spec["components"]["securitySchemes"])
    assert spec["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
    # Every type of error the pages name, every attribute, and every card error code.
    api_errors = schemas["api_errors"]["properties"]
    assert set(api_errors["type"]["enum"]) == {
        "api_connection_error", "api_error", "authentication_error", "card_error",
        "idempotency_error", "invalid_request_error", "rate_limit_error",
    }
    assert {"type", "code", "decline_code", "message", "param", "charge", "doc_url",
            "request_log_url", "payment_intent", "payment_method", "payment_method_type",
            "setup_intent", "source"} <= set(api_errors)
    assert {"card_declined", "expired_card", "incorrect_cvc", "incorrect_number", "incorrect_zip",
            "invalid_cvc", "invalid_expiry_month", "invalid_expiry_year", "invalid_number",
            "missing", "processing_error"} == set(schemas["card_error_code"]["enum"])
    # Metadata limits, machine-readable.
    metadata = schemas["metadata"]
    assert metadata["maxProperties"] == 20
    assert metadata["x-keyMaxLength"] == 40
    assert metadata["additionalProperties"]["maxLength"] == 500
    # Expandable fields the issue names.
    for schema, field in [("charge", "customer"), ("charge", "invoice"), ("charge", "balance_transaction"),
                          ("invoice", "subscription"), ("invoice", "customer"),
                          ("customer", "default_source"), ("refund", "charge")]:
        prop = schemas[schema]["properties"][field]
        assert "x-expansionResources" in prop, f"{schema}.{field}"
        assert {"type": "string", "maxLength": 5000} in prop["anyOf"], f"{schema}.{field}"


def operations():
    spec = load("stripe.yaml")
    components = spec["components"]
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = []
            for param in shared + operation.get("parameters", []):
                if "$ref" in param:
                    param = components["parameters"][param["$ref"].rsplit("/", 1)[1]]
                params.append(param)
            yield path, method, operation, params


def test_every_operation_has_the_stripe_conventions():
    components = load("stripe.yaml")["components"]
    seen = set()
    for path, method, operation, params in operations():
        seen.add(operation["operationId"])
        names = {(p["in"], p["name"]) for p in params}
        assert ("header", "Stripe-Account") in names, operation["operationId"]
        assert ("header", "Stripe-Version") in names, operation["operationId"]
        if method == "post":
            assert ("header", "Idempotency-Key") in names, operation["operationId"]
            body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
            props = body["schema"]["properties"]
            assert "expand" in props, operation["operationId"]
            for name, prop in props.items():
                nested = prop.get("type") in ("object", "array") or "$ref" in prop or "anyOf" in prop
                resolved = components["schemas"][prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else prop
                if nested and resolved.get("type") in ("object", "array"):
                    assert body["encoding"][name] == {"style": "deepObject", "explode": True}, (operation["operationId"], name)
        else:
            assert ("query", "expand") in names, operation["operationId"]
        if operation["operationId"].startswith("List"):
            for name in ("limit", "starting_after", "ending_before"):
                assert ("query", name) in names, (operation["operationId"], name)
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
            assert "Request-Id" in response["headers"], (operation["operationId"], status)
        statuses = set(operation["responses"])
        assert {"200", "400", "401", "403", "429", "5XX"} <= statuses, operation["operationId"]
    assert {"CreateCharge", "RetrieveCharge", "UpdateCharge", "CaptureCharge", "ListCharges",
            "CreateCustomer", "RetrieveCustomer", "UpdateCustomer", "DeleteCustomer", "ListCustomers",
            "CreateRefund", "RetrieveRefund", "UpdateRefund", "ListRefunds",
            "RetrieveInvoice", "ListInvoices", "RetrieveSubscription", "ListSubscriptions",
            "CreateWebhookEndpoint", "RetrieveWebhookEndpoint", "UpdateWebhookEndpoint",
            "DeleteWebhookEndpoint", "ListWebhookEndpoints", "ListEvents", "RetrieveEvent"} == seen
    limit = components["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 10)


def test_validation_catches_undeclared_and_mistyped_properties():
    check = validator("stripe.yaml", "charge")
    charge = json.loads((FIXTURES / "charge.json").read_text(encoding="utf-8"))
    assert not list(check.iter_errors(charge))
    assert list(check.iter_errors({**charge, "not_in_the_spec": 1}))
    assert list(check.iter_errors({**charge, "amount": "400"}))
    assert list(check.iter_errors({**charge, "status": "exploded"}))
    assert list(check.iter_errors({k: v for k, v in charge.items() if k != "paid"}))
