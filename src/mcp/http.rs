//! The streamable HTTP transport: every message is a POST to the server's
//! URL, answered with JSON or with an SSE stream of messages.

use super::Conn;

pub async fn connect(_url: &str, _headers: &[(String, String)]) -> Result<Conn, String> {
    Err("streamable HTTP is not supported yet".into())
}
