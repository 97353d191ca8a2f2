//! Tool arguments mirrored into HTTP headers (the stateless revision's
//! `x-mcp-header`): a property of a tool's input schema may name a header,
//! and every `tools/call` over Streamable HTTP then carries the argument as
//! `Mcp-Param-NAME`. A tool whose declarations are malformed is not offered.

use serde_json::Value;

/// Characters a header name may hold (RFC 9110 `tchar`).
fn tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The (property, header name) pairs a schema declares; Err when one is
/// malformed (empty, not a string, on a type other than string, integer or
/// boolean, with characters a header name cannot hold, or named twice).
pub fn declared(schema: &Value) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (prop, spec) in props {
        let Some(h) = spec.get("x-mcp-header") else {
            continue;
        };
        let name = h.as_str().unwrap_or("");
        let kind = spec.get("type").and_then(Value::as_str).unwrap_or("");
        let bad = if name.is_empty() || !name.chars().all(tchar) {
            "is not a header name"
        } else if !matches!(kind, "string" | "integer" | "boolean") {
            "is on a property that is not a string, integer or boolean"
        } else if out.iter().any(|(_, n)| n.eq_ignore_ascii_case(name)) {
            "is declared twice"
        } else {
            ""
        };
        if !bad.is_empty() {
            return Err(format!("x-mcp-header `{}` {bad}", name.escape_default()));
        }
        out.push((prop.clone(), name.to_string()));
    }
    Ok(out)
}

/// The headers a call with `args` carries; null or missing arguments send none.
pub fn values(declared: &[(String, String)], args: &Value) -> Vec<(String, String)> {
    declared
        .iter()
        .filter_map(|(prop, name)| {
            let v = match args.get(prop)? {
                Value::String(s) => super::http::header_value(s),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((format!("Mcp-Param-{name}"), v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declarations_are_checked_and_values_encoded() {
        let s = json!({"properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "on": {"type": "boolean", "x-mcp-header": "On"},
            "q": {"type": "string"}
        }});
        let d = declared(&s).expect("valid");
        let v = values(
            &d,
            &json!({"region": " padded", "n": 42, "on": null, "q": "x"}),
        );
        assert!(v.contains(&("Mcp-Param-Region".into(), "=?base64?IHBhZGRlZA==?=".into())));
        assert!(v.contains(&("Mcp-Param-N".into(), "42".into())));
        assert_eq!(v.len(), 2, "{v:?}");
        for bad in [
            json!({"properties": {"a": {"type": "string", "x-mcp-header": ""}}}),
            json!({"properties": {"a": {"type": "number", "x-mcp-header": "A"}}}),
            json!({"properties": {"a": {"type": "object", "x-mcp-header": "A"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "My Region"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "Région"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "A"},
                                  "b": {"type": "string", "x-mcp-header": "a"}}}),
        ] {
            assert!(declared(&bad).is_err(), "{bad}");
        }
    }
}
