from django.core.management import call_command


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path, db):
    # --fail-on-warn turns any schema warning (an undocumented endpoint, an unresolved type) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/customers/" in schema
    assert "bearerAuth" in schema
