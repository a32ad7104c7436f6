//! InfluxDB line protocol, written by hand: it is a small format, and the writer is a hot
//! path. Each point's series key (`measurement,tag=value,…`) is escaped once when the writer
//! starts; a reading then appends fields and a timestamp to a reused buffer without
//! allocating.
//!
//! Escaping follows the line-protocol reference: in a measurement, commas and spaces; in
//! tag keys, tag values and field keys, commas, equals signs and spaces. Backslashes are
//! kept as they are (the servers store them verbatim), except that a trailing backslash,
//! which would escape the separator after it, is doubled. Line breaks and other control
//! characters cannot be represented and become spaces. Unicode (`1号发电机`) is plain UTF-8.

use std::fmt::Write as _;

/// Appends `s` escaped as a measurement name.
pub fn measurement(out: &mut String, s: &str) {
    escape(out, s, &[',', ' ']);
}

/// Appends `s` escaped as a tag key, tag value or field key.
pub fn tag(out: &mut String, s: &str) {
    escape(out, s, &[',', '=', ' ']);
}

fn escape(out: &mut String, s: &str, special: &[char]) {
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    if s.ends_with('\\') {
        out.push('\\');
    }
}

/// A pre-escaped series key: measurement and tags, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series(String);

impl Series {
    /// Builds a series key. Tags with an empty value are left out (line protocol has no
    /// empty tag values).
    pub fn new(name: &str, tags: &[(&str, &str)]) -> Series {
        let mut s = String::with_capacity(64);
        measurement(&mut s, name);
        for (k, v) in tags {
            if v.is_empty() {
                continue;
            }
            s.push(',');
            tag(&mut s, k);
            s.push('=');
            tag(&mut s, v);
        }
        Series(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A buffer of complete lines.
#[derive(Debug, Default)]
pub struct Lines {
    buf: String,
    count: usize,
}

impl Lines {
    /// Starts a line for `series`. Fields are added to the returned writer; a line that
    /// gets no field is taken back (line protocol needs at least one).
    pub fn line<'a>(&'a mut self, series: &Series) -> Line<'a> {
        let start = self.buf.len();
        self.buf.push_str(series.as_str());
        Line {
            lines: self,
            start,
            fields: 0,
        }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn len_bytes(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Empties the buffer, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.count = 0;
    }
}

/// One line being written.
pub struct Line<'a> {
    lines: &'a mut Lines,
    start: usize,
    fields: usize,
}

impl Line<'_> {
    fn sep(&mut self) {
        self.lines.buf.push(if self.fields == 0 { ' ' } else { ',' });
        self.fields += 1;
    }

    /// A float field. NaN and infinities cannot be written and are left out.
    pub fn float(mut self, key: &str, v: f64) -> Self {
        if v.is_finite() {
            self.sep();
            tag(&mut self.lines.buf, key);
            self.lines.buf.push('=');
            // `{}` prints the shortest form that reads back exactly, with no exponent.
            let _ = write!(self.lines.buf, "{v}");
        }
        self
    }

    /// An integer field (`42i`).
    pub fn int(mut self, key: &str, v: i64) -> Self {
        self.sep();
        tag(&mut self.lines.buf, key);
        let _ = write!(self.lines.buf, "={v}i");
        self
    }

    /// Ends the line with a timestamp in milliseconds. Returns whether a line was written.
    pub fn end(self, ts_ms: i64) -> bool {
        if self.fields == 0 {
            self.lines.buf.truncate(self.start);
            return false;
        }
        let _ = writeln!(self.lines.buf, " {ts_ms}");
        self.lines.count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(series: &Series, f: impl FnOnce(Line<'_>) -> Line<'_>) -> String {
        let mut l = Lines::default();
        f(l.line(series)).end(1_795_000_000_000);
        l.as_str().to_string()
    }

    #[test]
    fn tags_and_measurements_escape_commas_equals_and_spaces() {
        let s = Series::new("my meas,x", &[("equip ment", "gen 1,a=b"), ("k=", "v")]);
        assert_eq!(s.as_str(), r"my\ meas\,x,equip\ ment=gen\ 1\,a\=b,k\==v");
    }

    #[test]
    fn unicode_names_are_plain_utf8() {
        let s = Series::new("facmon_point", &[("equipment", "1号发电机"), ("unit", "°C")]);
        assert_eq!(s.as_str(), "facmon_point,equipment=1号发电机,unit=°C");
    }

    #[test]
    fn backslashes_are_kept_and_a_trailing_one_is_doubled() {
        let s = Series::new("m", &[("path", r"a\b"), ("end", r"x\")]);
        assert_eq!(s.as_str(), r"m,path=a\b,end=x\\");
    }

    #[test]
    fn quotes_need_no_escape_outside_string_fields_and_control_characters_become_spaces() {
        let s = Series::new("m", &[("name", "say \"hi\"\nthere")]);
        assert_eq!(s.as_str(), "m,name=say\\ \"hi\"\\ there");
    }

    #[test]
    fn empty_tag_values_are_left_out() {
        assert_eq!(Series::new("m", &[("unit", ""), ("a", "b")]).as_str(), "m,a=b");
    }

    #[test]
    fn floats_ints_and_timestamps_are_written_exactly() {
        let s = Series::new("m", &[("a", "b")]);
        assert_eq!(
            one(&s, |l| l.float("value", 400.2).int("quality", 0)),
            "m,a=b value=400.2,quality=0i 1795000000000\n"
        );
        assert_eq!(one(&s, |l| l.float("value", 1.0)), "m,a=b value=1 1795000000000\n");
        assert_eq!(
            one(&s, |l| l.float("value", -0.001)),
            "m,a=b value=-0.001 1795000000000\n"
        );
        assert_eq!(
            one(&s, |l| l.float("value", 1e21)),
            "m,a=b value=1000000000000000000000 1795000000000\n"
        );
        assert_eq!(one(&s, |l| l.int("n", -3)), "m,a=b n=-3i 1795000000000\n");
    }

    #[test]
    fn non_finite_floats_are_left_out_and_a_line_without_fields_is_not_written() {
        let s = Series::new("m", &[("a", "b")]);
        assert_eq!(
            one(&s, |l| l.float("value", f64::NAN).int("quality", 1)),
            "m,a=b quality=1i 1795000000000\n"
        );
        let mut l = Lines::default();
        l.line(&s).int("x", 1).end(5);
        assert!(!l.line(&s).float("value", f64::INFINITY).end(6));
        assert_eq!(l.as_str(), "m,a=b x=1i 5\n");
        assert_eq!(l.count(), 1);
    }
}
