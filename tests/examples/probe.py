"""Calls every operation of an OpenAPI spec against its generated `Mock` server, with the
required parameters and body properties synthesised from the spec's schemas (an enum's first
value, a number at its minimum, an object's required properties or else its first one), and
checks that every operation whose success response is JSON answers 2xx with JSON: the server
decodes each example into the generated response type before sending it, so a 2xx means the
example fits. An operation whose success response is not JSON (a PDF) must answer 2xx too
(with an empty body).

Usage: probe.py SPEC BASE_URL
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import yaml

SPEC = yaml.load(open(sys.argv[1], encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
BASE = sys.argv[2]
AUTH = "Bearer sk_test_examples"


def resolve(node):
    """Follows local `$ref`s (`#/components/...`)."""
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def synth(schema, depth=0):
    schema = resolve(schema)
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            choices = [c for c in schema[keyword] if resolve(c).get("enum") != [""]]
            return synth((choices or schema[keyword])[0], depth)
    values = [v for v in schema.get("enum", []) if v != ""]
    if values:
        return values[0]
    kind = schema.get("type")
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return "true"
    if kind == "array":
        return [synth(schema.get("items", {}), depth + 1)]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = [k for k in properties if k in schema.get("required", [])]
        if not required and properties and depth > 0:
            required = [sorted(properties)[0]]
        return {k: synth(properties[k], depth + 1) for k in required}
    return "x"


def flatten(prefix, value, out):
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(f"{prefix}[{key}]" if prefix else key, item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            flatten(f"{prefix}[{index}]", item, out)
    else:
        out.append((prefix, str(value)))


def multipart(pairs):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in pairs:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    return "".join(parts + [f"--{boundary}--\r\n"]).encode(), f"multipart/form-data; boundary={boundary}"


def success_is_json(operation):
    for status, response in sorted(operation.get("responses", {}).items()):
        if str(status).startswith("2"):
            content = resolve(response).get("content", {})
            return not content or any("json" in media for media in content)
    return True


def call(method, path, item, operation):
    url, query = path, []
    for parameter in item.get("parameters", []) + operation.get("parameters", []):
        parameter = resolve(parameter)
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", "x")
        elif parameter["in"] == "query" and parameter.get("required"):
            flatten(parameter["name"], synth(parameter["schema"]), query)
    data, content_type = None, None
    if method in ("post", "put", "patch"):
        content = operation.get("requestBody", {}).get("content", {})
        for media in ("application/x-www-form-urlencoded", "multipart/form-data", "application/json"):
            if media in content:
                pairs = []
                value = synth(content[media].get("schema", {}))
                flatten("", value, pairs)
                if media == "multipart/form-data":
                    data, content_type = multipart(pairs)
                elif media == "application/json":
                    data, content_type = json.dumps(value).encode(), media
                else:
                    data, content_type = urllib.parse.urlencode(pairs).encode(), media
                break
        else:
            data = b""
    full = BASE + url + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(full, data=data, method=method.upper())
    request.add_header("Authorization", AUTH)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            json.loads(response.read() or b"null")
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


answered, skipped, failures = 0, 0, []
for path, item in SPEC["paths"].items():
    for method in ("get", "post", "put", "patch", "delete"):
        operation = item.get(method)
        if not operation:
            continue
        status, body = call(method, path, item, operation)
        if 200 <= status < 300:
            answered += 1
            skipped += not success_is_json(operation)
        else:
            failures.append(f"{method.upper()} {path}: {status} {body!r}")
print(f"{answered} operations answered 2xx ({skipped} of them without a JSON success response, "
      f"with an empty body); {len(failures)} failed")
for failure in failures:
    print("  " + failure)
sys.exit(1 if failures else 0)
