//! The text a person saw, line by line: printable characters placed at the
//! cursor, carriage returns, backspaces, tabs and the line-editing escapes
//! shells use (cursor left and right, erase in line, insert and delete
//! characters) applied; colours, titles and other escapes dropped. A
//! full-screen program's screens are not lines: replay those.

use crate::export::Utf8Carry;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    Esc,
    Csi,
    Osc,
    OscEsc,
    Charset,
}

/// A one-line terminal: what scrolls by, as text.
#[derive(Debug, Default)]
pub struct Screen {
    line: Vec<char>,
    col: usize,
    state: State,
    params: String,
    utf8: Utf8Carry,
}

impl Screen {
    fn put(&mut self, c: char) {
        if self.col < self.line.len() {
            self.line[self.col] = c;
        } else {
            self.line.resize(self.col, ' ');
            self.line.push(c);
        }
        self.col += 1;
    }

    fn end_line(&mut self, out: &mut String) {
        let s: String = self.line.iter().collect();
        out.push_str(s.trim_end());
        out.push('\n');
        self.line.clear();
        self.col = 0;
    }

    fn csi(&mut self, fin: char, out: &mut String) {
        let nums: Vec<usize> = self
            .params
            .trim_start_matches(['?', '>', '='])
            .split(';')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let n = nums.first().copied().unwrap_or(0);
        let n1 = n.max(1);
        match fin {
            'K' => match n {
                0 => self.line.truncate(self.col),
                1 => {
                    for c in self.line.iter_mut().take(self.col + 1) {
                        *c = ' ';
                    }
                }
                _ => self.line.clear(),
            },
            'C' => self.col += n1,
            'D' => self.col = self.col.saturating_sub(n1),
            'G' => self.col = n1 - 1,
            'P' => {
                let end = (self.col + n1).min(self.line.len());
                if self.col < end {
                    self.line.drain(self.col..end);
                }
            }
            '@' if self.col <= self.line.len() => {
                for _ in 0..n1 {
                    self.line.insert(self.col, ' ');
                }
            }
            'X' => {
                for i in self.col..(self.col + n1).min(self.line.len()) {
                    self.line[i] = ' ';
                }
            }
            // A cursor placed on another row, or a cleared screen: a new line.
            'H' | 'f' | 'J' => {
                if !self.line.is_empty() {
                    self.end_line(out);
                }
                if fin != 'J' {
                    self.col = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                }
            }
            _ => {}
        }
    }

    /// Feed output; the lines it completed.
    pub fn feed(&mut self, data: &[u8]) -> String {
        let text = self.utf8.push(data);
        let mut out = String::new();
        for c in text.chars() {
            match self.state {
                State::Ground => match c {
                    '\n' => self.end_line(&mut out),
                    '\r' => self.col = 0,
                    '\x08' => self.col = self.col.saturating_sub(1),
                    '\t' => self.col = (self.col / 8 + 1) * 8,
                    '\x1b' => self.state = State::Esc,
                    c if c.is_control() => {}
                    c => self.put(c),
                },
                State::Esc => {
                    self.state = match c {
                        '[' => {
                            self.params.clear();
                            State::Csi
                        }
                        ']' | 'P' | '_' | '^' => State::Osc,
                        '(' | ')' | '*' | '+' | '#' | '%' => State::Charset,
                        _ => State::Ground,
                    }
                }
                State::Csi => {
                    if ('\x40'..='\x7e').contains(&c) {
                        self.state = State::Ground;
                        self.csi(c, &mut out);
                    } else if self.params.len() < 64 {
                        self.params.push(c);
                    }
                }
                State::Osc => match c {
                    '\x07' => self.state = State::Ground,
                    '\x1b' => self.state = State::OscEsc,
                    _ => {}
                },
                State::OscEsc => self.state = if c == '\\' { State::Ground } else { State::Osc },
                State::Charset => self.state = State::Ground,
            }
        }
        out
    }

    /// The last line, if anything is on it.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        let rest = self.utf8.finish();
        if !rest.is_empty() {
            out.push_str(&self.feed(rest.as_bytes()));
        }
        if !self.line.is_empty() {
            self.end_line(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(chunks: &[&[u8]]) -> String {
        let mut s = Screen::default();
        let mut out: String = chunks.iter().map(|c| s.feed(c)).collect();
        out.push_str(&s.finish());
        out
    }

    #[test]
    fn what_a_shell_shows() {
        // A coloured prompt, a typo fixed with backspace, a title, a line redrawn.
        assert_eq!(
            text(&[
                b"\x1b]0;bob@host\x07\x1b[1;32mbob$\x1b[0m lx\x08",
                b"s\r\n",
                b"a  b\tc\r\n"
            ]),
            "bob$ ls\na  b    c\n"
        );
        assert_eq!(text(&[b"hello world\r\x1b[Kbye\r\n"]), "bye\n");
        assert_eq!(text(&[b"abcdef\x1b[3D\x1b[P\r\n"]), "abcef\n");
        assert_eq!(
            text(&[b"progress 10%\rprogress 99%\rdone        \n"]),
            "done\n"
        );
        assert_eq!(text(&[b"x\x1b[2Jy"]), "x\ny\n");
    }
}
