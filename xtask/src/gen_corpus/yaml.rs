//! A line-oriented YAML writer and the scalar encodings the templates need.

/// A YAML text being written line by line with two-space indentation.
#[derive(Default)]
pub struct Yaml {
    out: String,
}

impl Yaml {
    /// Appends `text` on its own line, indented by `indent` levels.
    pub fn line(&mut self, indent: usize, text: impl AsRef<str>) -> &mut Self {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text.as_ref());
        self.out.push('\n');
        self
    }

    /// Appends `key: |` followed by `body` as a literal block scalar one level deeper.
    pub fn literal(&mut self, indent: usize, key: &str, body: &str) -> &mut Self {
        self.line(indent, format!("{key}: |"));
        for text in body.lines() {
            if text.is_empty() {
                self.out.push('\n');
            } else {
                self.line(indent + 1, text);
            }
        }
        self
    }

    /// Appends a `key:` mapping of string pairs (quoted when needed); nothing when empty.
    pub fn map(&mut self, indent: usize, key: &str, pairs: &[(String, String)]) -> &mut Self {
        if pairs.is_empty() {
            return self;
        }
        self.line(indent, format!("{key}:"));
        for (k, v) in pairs {
            self.line(indent + 1, format!("{k}: {}", scalar(v)));
        }
        self
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A string scalar, double-quoted when plain style would change its type or meaning.
pub fn scalar(value: &str) -> String {
    let plain_ok = !value.is_empty()
        && !value.starts_with(|c: char| " -?:,[]{}#&*!|>'\"%@`~0123456789.+".contains(c))
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
        );
    if plain_ok {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Standard base64 (RFC 4648, padded), as found in Secret `data`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
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
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn scalar_quotes_what_yaml_would_retype() {
        assert_eq!(scalar("web"), "web");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("8080"), "\"8080\"");
        assert_eq!(scalar("1.10"), "\"1.10\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("*/5 * * * *"), "\"*/5 * * * *\"");
    }
}
