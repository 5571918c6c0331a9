//! Scoring and killfiles: rules on an article's author, subject, Message-ID, References,
//! crosspost count or length that hide or highlight it, each for some groups and until an
//! expiry. Watching or ignoring a thread is a rule on the thread's first Message-ID. slrn
//! score files can be read into rules.

use regex::{Regex, RegexBuilder};

use crate::store::mail::MessageRow;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Field {
    Author,
    Subject,
    MessageId,
    References,
    /// The article and every reply to it: its Message-ID or one of its References.
    Thread,
    /// Number of groups the article was posted to: matches at or above the number.
    Crossposts,
    /// Body lines: matches at or above the number.
    Lines,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Author,
        Field::Subject,
        Field::MessageId,
        Field::References,
        Field::Thread,
        Field::Crossposts,
        Field::Lines,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Author => "Author",
            Field::Subject => "Subject",
            Field::MessageId => "Message-ID",
            Field::References => "References",
            Field::Thread => "Thread",
            Field::Crossposts => "Crossposts (at least)",
            Field::Lines => "Lines (at least)",
        }
    }

    /// The field compares a number, not text.
    pub fn numeric(self) -> bool {
        matches!(self, Field::Crossposts | Field::Lines)
    }
}

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    Hide,
    Highlight,
}

/// One rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    /// Groups it applies to: a wildmat (`comp.*,!comp.os.*`); empty for every group.
    pub groups: String,
    pub field: Field,
    /// A regular expression, case-insensitive (a number for the numeric fields).
    pub pattern: String,
    pub action: Action,
    /// Unix seconds after which the rule no longer applies.
    pub expires: Option<i64>,
}

/// Why a rule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the pattern is not a valid regular expression: {0}")]
    Pattern(String),
    #[error("{0} needs a number")]
    Number(&'static str),
    #[error("the pattern is empty")]
    Empty,
}

/// A rule ready to test rows with.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub rule: Rule,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Text(Regex),
    AtLeast(u64),
}

impl Rule {
    /// Checks the pattern and prepares it.
    pub fn compile(&self) -> Result<Compiled, RuleError> {
        let pattern = self.pattern.trim();
        if pattern.is_empty() {
            return Err(RuleError::Empty);
        }
        let test = if self.field.numeric() {
            Test::AtLeast(
                pattern
                    .parse()
                    .map_err(|_| RuleError::Number(self.field.name()))?,
            )
        } else {
            Test::Text(
                RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| RuleError::Pattern(e.to_string()))?,
            )
        };
        Ok(Compiled {
            rule: self.clone(),
            test,
        })
    }

    /// The rule is for `group` (and has not expired at `now`).
    pub fn applies(&self, group: &str, now: i64) -> bool {
        if self.expires.is_some_and(|e| e < now) {
            return false;
        }
        self.groups.trim().is_empty() || wildmat(&self.groups, group)
    }
}

impl Compiled {
    pub fn matches(&self, row: &MessageRow) -> bool {
        match (&self.test, self.rule.field) {
            (Test::AtLeast(n), Field::Lines) => u64::from(row.lines) >= *n,
            (Test::AtLeast(n), Field::Crossposts) => u64::from(row.crossposts) >= *n,
            (Test::AtLeast(_), _) => false,
            (Test::Text(re), field) => match field {
                Field::Author => re.is_match(&row.from_name) || re.is_match(&row.from_addr),
                Field::Subject => re.is_match(&row.subject),
                Field::MessageId => row.message_id.as_deref().is_some_and(|m| re.is_match(m)),
                Field::References => re.is_match(&row.refs),
                Field::Thread => {
                    row.message_id.as_deref().is_some_and(|m| re.is_match(m))
                        || row.refs.split_whitespace().any(|r| re.is_match(r))
                }
                Field::Crossposts | Field::Lines => false,
            },
        }
    }
}

/// What the rules make of a group's rows: which to hide and which to highlight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdicts {
    pub hidden: std::collections::HashSet<i64>,
    pub highlighted: std::collections::HashSet<i64>,
}

/// Applies the rules that are for `group` now. A rule that does not compile is skipped (the
/// editor refuses to save one).
pub fn judge(rules: &[Rule], group: &str, rows: &[MessageRow], now: i64) -> Verdicts {
    let compiled: Vec<Compiled> = rules
        .iter()
        .filter(|r| r.applies(group, now))
        .filter_map(|r| r.compile().ok())
        .collect();
    let mut v = Verdicts::default();
    if compiled.is_empty() {
        return v;
    }
    for row in rows {
        for c in &compiled {
            if c.matches(row) {
                match c.rule.action {
                    Action::Hide => {
                        v.hidden.insert(row.id);
                    }
                    Action::Highlight => {
                        v.highlighted.insert(row.id);
                    }
                }
            }
        }
    }
    v
}

/// How many of `rows` a rule being edited matches, for the editor's live count.
pub fn count_matches(rule: &Rule, rows: &[MessageRow]) -> Result<usize, RuleError> {
    let c = rule.compile()?;
    Ok(rows.iter().filter(|r| c.matches(r)).count())
}

/// RFC 3977 wildmat: comma-separated patterns with `*` and `?`; the last that matches
/// decides, and a `!` pattern excludes.
pub fn wildmat(patterns: &str, name: &str) -> bool {
    let mut result = false;
    for p in patterns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (negate, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p),
        };
        if glob(p.as_bytes(), name.as_bytes()) {
            result = !negate;
        }
    }
    result
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Reads an slrn score file into rules: each `[groups]` section's entries become one rule per
/// header line, hiding for a negative score and highlighting for a positive one; `Expires:`
/// (MM/DD/YYYY or DD-MM-YYYY) is kept; negated (`~`) and unknown header lines are skipped and
/// counted. Returns the rules and how many lines were skipped.
pub fn import_slrn(text: &str) -> (Vec<Rule>, usize) {
    let mut rules = Vec::new();
    let mut skipped = 0;
    let mut groups = String::new();
    let mut score: i64 = 0;
    let mut expires = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('%') || line.starts_with('#') {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            groups = inner.trim().to_string();
            if groups == "*" {
                groups.clear();
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            skipped += 1;
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "score" => {
                score = value.trim_start_matches('=').trim().parse().unwrap_or(0);
                expires = None;
            }
            "expires" => expires = parse_slrn_date(value),
            header => {
                let field = match header {
                    "from" => Field::Author,
                    "subject" => Field::Subject,
                    "message-id" => Field::MessageId,
                    "references" => Field::References,
                    "lines" => Field::Lines,
                    "xref" => Field::Crossposts,
                    _ => {
                        skipped += 1;
                        continue;
                    }
                };
                if score == 0 {
                    continue;
                }
                let pattern = if field == Field::Crossposts {
                    // slrn matches Xref text; a count of colons is what it usually means.
                    value.matches(':').count().max(2).to_string()
                } else {
                    value.to_string()
                };
                rules.push(Rule {
                    id: 0,
                    groups: groups.clone(),
                    field,
                    pattern,
                    action: if score < 0 {
                        Action::Hide
                    } else {
                        Action::Highlight
                    },
                    expires,
                });
            }
        }
    }
    (rules, skipped)
}

fn parse_slrn_date(text: &str) -> Option<i64> {
    let t = text.trim();
    let (d, m, y) = if let Some((m, rest)) = t.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        (d, m, y)
    } else {
        let mut it = t.split('-');
        (it.next()?, it.next()?, it.next()?)
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    )?;
    Some(date.and_hms_opt(23, 59, 59)?.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        id: i64,
        from: &str,
        subject: &str,
        refs: &str,
        lines: u32,
        crossposts: u16,
    ) -> MessageRow {
        MessageRow {
            id,
            from_name: from.into(),
            from_addr: format!("{}@example.test", from.to_lowercase().replace(' ', ".")),
            subject: subject.into(),
            message_id: Some(format!("m{id}@x")),
            refs: refs.into(),
            lines,
            crossposts,
            ..MessageRow::default()
        }
    }

    fn rule(field: Field, pattern: &str, action: Action) -> Rule {
        Rule {
            id: 0,
            groups: String::new(),
            field,
            pattern: pattern.into(),
            action,
            expires: None,
        }
    }

    #[test]
    fn rules_hide_and_highlight() {
        let rows = vec![
            row(1, "Troll Person", "Flame bait", "", 10, 1),
            row(2, "Nice Person", "Helpful answer", "m9@x", 5000, 1),
            row(3, "Spammer", "BUY NOW", "", 3, 12),
            row(4, "Nice Person", "Re: thread", "m9@x m2@x", 4, 1),
        ];
        let rules = vec![
            rule(Field::Author, "troll", Action::Hide),
            rule(Field::Crossposts, "5", Action::Hide),
            rule(Field::Lines, "1000", Action::Highlight),
            rule(Field::Thread, "^m9@x$", Action::Highlight),
        ];
        let v = judge(&rules, "local.test", &rows, 0);
        assert_eq!(v.hidden, [1, 3].into_iter().collect());
        assert_eq!(v.highlighted, [2, 4].into_iter().collect());
        assert_eq!(count_matches(&rules[0], &rows), Ok(1));
        assert_eq!(
            count_matches(&rule(Field::Subject, "re:|buy", Action::Hide), &rows),
            Ok(2)
        );
        assert!(matches!(
            count_matches(&rule(Field::Subject, "(", Action::Hide), &rows),
            Err(RuleError::Pattern(_))
        ));
        assert_eq!(
            count_matches(&rule(Field::Lines, "many", Action::Hide), &rows),
            Err(RuleError::Number("Lines (at least)"))
        );
    }

    #[test]
    fn groups_and_expiry_limit_a_rule() {
        let mut r = rule(Field::Subject, "x", Action::Hide);
        r.groups = "comp.*,!comp.os.*".into();
        assert!(r.applies("comp.lang.rust", 0));
        assert!(!r.applies("comp.os.linux", 0));
        assert!(!r.applies("rec.arts", 0));
        r.expires = Some(100);
        assert!(r.applies("comp.lang.rust", 99));
        assert!(!r.applies("comp.lang.rust", 101));
        assert!(wildmat("*", "anything") && wildmat("a?c", "abc") && !wildmat("a?c", "abbc"));
    }

    #[test]
    fn slrn_score_files_become_rules() {
        let text = "% my score file\n[comp.lang.*]\nScore: -9999\n  From: troll@example\n  Subject: flame\n\nScore: 100\nExpires: 12/31/2030\n  From: hero@example\n  ~Subject: boring\n[*]\nScore: =-100\n  Lines: 2000\n  Newsgroups: alt.spam\n";
        let (rules, skipped) = import_slrn(text);
        assert_eq!(skipped, 2, "~Subject and Newsgroups are not taken");
        assert_eq!(rules.len(), 4);
        assert_eq!(rules[0].field, Field::Author);
        assert_eq!(rules[0].action, Action::Hide);
        assert_eq!(rules[0].groups, "comp.lang.*");
        assert_eq!(rules[2].action, Action::Highlight);
        assert!(rules[2].expires.is_some());
        assert_eq!(rules[3].field, Field::Lines);
        assert_eq!(rules[3].groups, "");
        assert!(rules.iter().all(|r| r.compile().is_ok()));
    }
}
