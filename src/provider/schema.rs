//! JSON Schema translation for wire formats that accept only a subset of it
//! (Gemini's OpenAPI-style `Schema`).

use serde_json::{Map, Value};

/// Keeps the keywords Gemini's function declarations accept, recursively:
/// drops `$schema`, `additionalProperties`, `default`, `examples`, empty
/// `properties` and anything else unknown; turns `"type": ["string", "null"]` into `"type": "string"`
/// with `"nullable": true`.
pub fn gemini_subset(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        match k.as_str() {
            "type" => match v {
                Value::Array(types) => {
                    let mut named = types.iter().filter(|t| *t != "null");
                    if let Some(t) = named.next() {
                        out.insert("type".into(), t.clone());
                    }
                    if types.iter().any(|t| t == "null") {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            },
            "description" | "required" | "enum" | "format" | "nullable" | "minItems"
            | "maxItems" | "minimum" | "maximum" => {
                out.insert(k.clone(), v.clone());
            }
            "items" => {
                out.insert(k.clone(), gemini_subset(v));
            }
            "anyOf" => {
                if let Some(alts) = v.as_array() {
                    out.insert(k.clone(), alts.iter().map(gemini_subset).collect());
                }
            }
            // Gemini rejects an empty `properties`; `{"type": "object"}` is fine.
            "properties" => {
                if let Some(props) = v.as_object().filter(|p| !p.is_empty()) {
                    let props: Map<String, Value> = props
                        .iter()
                        .map(|(name, s)| (name.clone(), gemini_subset(s)))
                        .collect();
                    out.insert(k.clone(), Value::Object(props));
                }
            }
            _ => {}
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_accepted_subset_recursively() {
        let s = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "path": {"type": "string", "description": "file", "default": "."},
                "limit": {"type": ["integer", "null"], "examples": [10]},
                "items": {"type": "array", "items": {
                    "type": "object", "additionalProperties": false,
                    "properties": {"status": {"type": "string", "enum": ["a", "b"]}},
                    "required": ["status"]}}
            },
            "required": ["path"]
        });
        assert_eq!(
            gemini_subset(&s),
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "file"},
                    "limit": {"type": "integer", "nullable": true},
                    "items": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"status": {"type": "string", "enum": ["a", "b"]}},
                        "required": ["status"]}}
                },
                "required": ["path"]
            })
        );
        assert_eq!(
            gemini_subset(&json!({"type": "object", "properties": {}})),
            json!({"type": "object"})
        );
    }
}
