//! robots.txt: does a site allow Portolan to fetch a page? Shown in Page info.
//!
//! Follows RFC 9309: the group for the most specific matching user agent (else `*`), the
//! longest matching rule wins, `Allow` wins a tie, `*` and `$` are supported.

/// The rules that apply to one user agent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rules {
    /// (allow, pattern)
    rules: Vec<(bool, String)>,
}

/// Parses `robots.txt` and keeps the rules for `agent` (matched case-insensitively as a
/// product token), falling back to the `*` group.
pub fn rules_for(robots_txt: &str, agent: &str) -> Rules {
    let agent = agent
        .split('/')
        .next()
        .unwrap_or(agent)
        .to_ascii_lowercase();
    let mut specific = Rules::default();
    let mut wildcard = Rules::default();
    let mut found_specific = false;
    let mut group_agents: Vec<String> = Vec::new();
    let mut in_rules = false;
    for raw in robots_txt.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "user-agent" => {
                if in_rules {
                    group_agents.clear();
                    in_rules = false;
                }
                group_agents.push(value.to_ascii_lowercase());
            }
            "allow" | "disallow" => {
                in_rules = true;
                let allow = key == "allow";
                if value.is_empty() {
                    continue; // "Disallow:" with nothing allows everything.
                }
                for a in &group_agents {
                    if *a == agent {
                        found_specific = true;
                        specific.rules.push((allow, value.to_string()));
                    } else if a == "*" {
                        wildcard.rules.push((allow, value.to_string()));
                    }
                }
                if group_agents.contains(&agent) {
                    found_specific = true;
                }
            }
            _ => {}
        }
    }
    if found_specific { specific } else { wildcard }
}

impl Rules {
    /// Whether `path` (with query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pieces: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0usize;
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(piece) {
                return false;
            }
            pos = piece.len();
        } else if let Some(found) = path[pos..].find(piece) {
            pos += found + piece.len();
        } else {
            return false;
        }
    }
    if anchored {
        // The last piece must end the path.
        let last = pieces.last().copied().unwrap_or("");
        return pos == path.len() || (pieces.len() > 1 && path.ends_with(last));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROBOTS: &str = "User-agent: *\nDisallow: /private/\nAllow: /private/ok.html\n\n\
User-agent: BadBot\nDisallow: /\n\nUser-agent: portolan\nDisallow: /nogopher*.php$\n";

    #[test]
    fn specific_group_wins() {
        let rules = rules_for(ROBOTS, "Portolan/0.1");
        assert!(rules.allows("/private/x"));
        assert!(!rules.allows("/nogopher-a.php"));
        assert!(rules.allows("/nogopher-a.php?x"));
    }

    #[test]
    fn wildcard_group_and_longest_match() {
        let rules = rules_for(ROBOTS, "Other");
        assert!(!rules.allows("/private/x"));
        assert!(rules.allows("/private/ok.html"));
        assert!(rules.allows("/"));
        let bad = rules_for(ROBOTS, "BadBot");
        assert!(!bad.allows("/anything"));
    }

    #[test]
    fn empty_and_garbage() {
        assert!(rules_for("", "x").allows("/a"));
        assert!(rules_for("\u{0}\u{1}garbage:::\n\n", "x").allows("/a"));
        assert!(rules_for("User-agent: *\nDisallow:\n", "x").allows("/a"));
    }
}
