//! Where things are in a JSON text: the byte span of each element of the top-level
//! "steps" array, and the line and column of a byte offset. A small scanner that knows
//! strings and nesting, enough for files serde_json has already accepted.

/// (start, end) byte offsets of each element of the top-level `"steps"` array.
pub fn steps(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    let mut out = Vec::new();
    // Depth of the steps array's elements once found.
    let mut in_steps: Option<usize> = None;
    let mut start = None;
    let mut last_key_at_1: Option<(usize, usize)> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let s = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if depth == 1 {
                    last_key_at_1 = Some((s + 1, i));
                }
                if in_steps == Some(depth) && start.is_none() {
                    start = Some(s);
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if b[i] == b'[' && depth == 2 && in_steps.is_none() {
                    if let Some((a, z)) = last_key_at_1 {
                        if &text[a..z] == "steps" {
                            in_steps = Some(3);
                        }
                    }
                } else if in_steps == Some(depth) && start.is_none() {
                    start = Some(i);
                }
            }
            b'}' | b']' => {
                if in_steps == Some(depth) {
                    if let Some(s) = start.take() {
                        out.push((s, i + 1));
                    }
                }
                if in_steps == Some(depth + 1) && b[i] == b']' {
                    return out;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Offset of `"key"` (or any quoted string `needle`) inside a span, if present.
pub fn find_in(text: &str, span: (usize, usize), needle: &str) -> Option<usize> {
    text[span.0..span.1].find(needle).map(|i| span.0 + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_the_steps_array_elements() {
        let t = "{\n \"name\": \"x [not] {an array}\",\n \"steps\": [\n  {\"id\": \"A\", \"action\": {\"kind\": \"wait\", \"seconds\": 1}},\n  {\"id\": \"B\"}\n ],\n \"x\": [{}]\n}";
        let s = steps(t);
        assert_eq!(s.len(), 2);
        assert!(t[s[0].0..s[0].1].starts_with("{\"id\": \"A\""));
        assert_eq!(&t[s[1].0..s[1].1], "{\"id\": \"B\"}");
        assert_eq!(line_col(t, s[1].0), (5, 3));
    }
}
