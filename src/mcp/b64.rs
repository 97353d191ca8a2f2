//! Base64 for MCP: the standard alphabet for header values of the
//! stateless revision, the URL-safe one without padding for OAuth's PKCE.

/// Base64 (the URL-safe alphabet without padding when `url`): header
/// values of the stateless revision and OAuth's PKCE.
pub fn base64(bytes: &[u8], url: bool) -> String {
    let table: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(table[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else if !url {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_both_alphabets() {
        assert_eq!(base64(b"Hello, \xe4\xb8\x96", false), "SGVsbG8sIOS4lg==");
        assert_eq!(base64(b"\xfb\xff", true), "-_8");
        assert_eq!(base64(b"", true), "");
    }
}
