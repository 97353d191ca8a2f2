//! An MCP server's tool as a wisp [`Tool`]: named `mcp__<server>__<tool>`,
//! with the server's description and (lightly sanitised) input schema; its
//! result turned into the text the model reads.

use super::{tool_name, Manager, ToolInfo};
use crate::tools::{cap_head_tail, Tool, ToolCtx, ToolKind, ToolOutput};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

pub struct McpTool {
    mgr: Manager,
    server: String,
    /// The name the server knows the tool by.
    tool: String,
    name: String,
    description: String,
    schema: Value,
    read_only: bool,
    /// The user trusts the server (set after construction by the manager).
    pub trusted: bool,
}

impl McpTool {
    pub fn new(mgr: Manager, server: &str, info: &ToolInfo) -> Self {
        let description = if info.description.trim().is_empty() {
            format!("Tool `{}` of the MCP server `{server}`.", info.name)
        } else {
            info.description.clone()
        };
        McpTool {
            mgr,
            server: server.to_string(),
            tool: info.name.clone(),
            name: tool_name(server, &info.name),
            description,
            schema: sanitize(&info.schema),
            read_only: info.read_only,
            trusted: false,
        }
    }
}

/// Providers want an object schema at the top and choke on `$schema`.
fn sanitize(schema: &Value) -> Value {
    let mut s = match schema {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    };
    if let Some(m) = s.as_object_mut() {
        m.remove("$schema");
        m.insert("type".into(), json!("object"));
        m.entry("properties").or_insert_with(|| json!({}));
    }
    s
}

/// Turns a `tools/call` result into what the model reads.
pub fn render_result(result: &Value, max: usize) -> ToolOutput {
    let mut parts: Vec<String> = Vec::new();
    let mut images = Vec::new();
    for c in result
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
        match text("type") {
            "text" => parts.push(text("text").to_string()),
            "image" if !text("data").is_empty() => {
                parts.push(format!("[image {} attached]", text("mimeType")));
                images.push((text("mimeType").to_string(), text("data").to_string()));
            }
            kind @ ("image" | "audio") => parts.push(format!(
                "[{kind} {}: {} bytes of base64, not shown]",
                text("mimeType"),
                text("data").len()
            )),
            "resource" => {
                let r = c.get("resource").cloned().unwrap_or(Value::Null);
                let uri = r.get("uri").and_then(Value::as_str).unwrap_or("");
                match r.get("text").and_then(Value::as_str) {
                    Some(t) => parts.push(format!("[resource {uri}]\n{t}")),
                    None => parts.push(format!("[binary resource {uri}, not shown]")),
                }
            }
            "resource_link" => {
                parts.push(format!("[resource link {} {}]", text("uri"), text("name")))
            }
            other => parts.push(format!("[{other} content, not shown]")),
        }
    }
    // Text content usually repeats the structured result; add it only when
    // there is nothing else to read.
    if parts.iter().all(|p| p.trim().is_empty()) {
        if let Some(s) = result.get("structuredContent") {
            parts = vec![s.to_string()];
        }
    }
    let content = cap_head_tail(&parts.join("\n"), max);
    let is_error = result
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    ToolOutput {
        content,
        is_error,
        diff: None,
        images,
    }
}

/// One status line for a `notifications/progress`: `name: 2/3 message`.
fn progress_line(name: &str, p: &Value) -> String {
    let num = |k: &str| {
        p.get(k).and_then(Value::as_f64).map(|n| {
            if n.fract() == 0.0 {
                format!("{n:.0}")
            } else {
                format!("{n}")
            }
        })
    };
    let mut line = format!("… {name}: {}", num("progress").unwrap_or_default());
    if let Some(t) = num("total") {
        line.push_str(&format!("/{t}"));
    }
    if let Some(m) = p.get("message").and_then(Value::as_str) {
        line.push(' ');
        line.push_str(&crate::provider::one_line(m));
    }
    line
}

impl Tool for McpTool {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn schema(&self) -> Value {
        self.schema.clone()
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Other
    }

    fn trusted_read_only(&self) -> bool {
        self.trusted && self.read_only
    }

    fn summary(&self, args: &Value) -> String {
        let a = args.to_string();
        let shown: String = a.chars().take(200).collect();
        if shown.len() < a.len() {
            format!("{shown}…")
        } else {
            shown
        }
    }

    fn run<'a>(&'a self, args: &'a Value, ctx: &'a ToolCtx) -> LocalBoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let call = self.mgr.call(&self.server, &self.tool, args, tx);
            tokio::pin!(call);
            // Progress is shown as it comes, while the call runs.
            let result = loop {
                tokio::select! {
                    r = &mut call => break r,
                    Some(p) = rx.recv() => crate::render::eprintln(
                        &crate::render::safe::line(&progress_line(&self.name, &p)),
                    ),
                }
            };
            match result {
                Ok(r) => render_result(&r, ctx.max_output),
                Err(e) => ToolOutput::err(format!("MCP server `{}`: {e}", self.server)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_text_the_model_reads() {
        let r = json!({"content": [
            {"type": "text", "text": "The sum of 2 and 3 is 5."},
            {"type": "image", "mimeType": "image/png", "data": "AAAA"},
            {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "hello"}}
        ]});
        let out = render_result(&r, 10_000);
        assert!(!out.is_error);
        assert_eq!(
            out.images,
            vec![("image/png".to_string(), "AAAA".to_string())]
        );
        assert_eq!(
            out.content,
            "The sum of 2 and 3 is 5.\n[image image/png attached]\n[resource file:///a.txt]\nhello"
        );
        let r = json!({"content": [], "structuredContent": {"n": 5}, "isError": true});
        let out = render_result(&r, 10_000);
        assert!(out.is_error);
        assert_eq!(out.content, r#"{"n":5}"#);
    }

    #[test]
    fn progress_reads_as_one_line() {
        let p =
            json!({"progressToken": "t", "progress": 2, "total": 3, "message": "copying\nfiles"});
        assert_eq!(
            progress_line("mcp__s__t", &p),
            "… mcp__s__t: 2/3 copying files"
        );
        let p = json!({"progress": 0.5});
        assert_eq!(progress_line("x", &p), "… x: 0.5");
    }

    #[test]
    fn schemas_are_objects_without_dollar_schema() {
        let s = sanitize(&json!({"$schema": "x", "type": "object", "properties": {"a": {}}}));
        assert_eq!(s, json!({"type": "object", "properties": {"a": {}}}));
        assert_eq!(
            sanitize(&Value::Null),
            json!({"type": "object", "properties": {}})
        );
    }
}
