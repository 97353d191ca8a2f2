//! Temporary pass-through until the streaming markdown renderer lands.
use std::io::Write;
pub struct MarkdownStream {
    buf: String,
}
impl MarkdownStream {
    pub fn new(_width: usize, _styled: bool) -> Self {
        MarkdownStream { buf: String::new() }
    }
    pub fn push(&mut self, delta: &str, out: &mut dyn Write) -> std::io::Result<()> {
        self.buf.push_str(delta);
        if let Some(i) = self.buf.rfind('\n') {
            out.write_all(self.buf[..=i].as_bytes())?;
            self.buf.drain(..=i);
        }
        Ok(())
    }
    pub fn finish(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            out.write_all(self.buf.as_bytes())?;
            out.write_all(b"\n")?;
            self.buf.clear();
        }
        Ok(())
    }
}
