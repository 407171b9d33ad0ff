//! Command lines of both programs: `--name value`, `--name=value`, `--flag` and
//! positional arguments, and the exit codes a program ends with.
//!
//! Kept small on purpose: the harness writes these command lines and people read
//! them in `command.txt`; nothing here needs a parser library.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::str::FromStr;

/// The program did not do what it was asked (a connection failed, a response is missing).
pub const EXIT_FAILURE: i32 = 1;
/// The command line is wrong.
pub const EXIT_USAGE: i32 = 2;
/// The command asks for something quiche cannot do (the harness's "unsupported").
pub const EXIT_UNSUPPORTED: i32 = 127;

/// Why a program ends early: an exit code and the message printed before it.
#[derive(Debug)]
pub struct Exit {
    pub code: i32,
    pub message: String,
}

impl Exit {
    pub fn usage(message: impl Display) -> Exit {
        Exit {
            code: EXIT_USAGE,
            message: message.to_string(),
        }
    }

    pub fn failure(message: impl Display) -> Exit {
        Exit {
            code: EXIT_FAILURE,
            message: message.to_string(),
        }
    }

    pub fn unsupported(message: impl Display) -> Exit {
        Exit {
            code: EXIT_UNSUPPORTED,
            message: message.to_string(),
        }
    }
}

/// A parsed command line.
pub struct Args {
    values: HashMap<String, String>,
    flags: HashSet<String>,
    pub positional: Vec<String>,
}

impl Args {
    /// Parses `argv` (without the program name). `options` take a value, `flags` do not;
    /// `--help` ends the program with `usage` and exit code 0.
    pub fn parse(
        argv: impl IntoIterator<Item = String>,
        options: &[&str],
        flags: &[&str],
        usage: &str,
    ) -> Result<Args, Exit> {
        let mut args = Args {
            values: HashMap::new(),
            flags: HashSet::new(),
            positional: Vec::new(),
        };
        let mut argv = argv.into_iter();
        while let Some(word) = argv.next() {
            if word == "--help" || word == "-h" {
                return Err(Exit {
                    code: 0,
                    message: usage.to_string(),
                });
            }
            let Some(option) = word.strip_prefix("--") else {
                args.positional.push(word);
                continue;
            };
            let (name, inline) = match option.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (option, None),
            };
            if flags.contains(&name) {
                if inline.is_some() {
                    return Err(Exit::usage(format!("--{name} takes no value\n\n{usage}")));
                }
                args.flags.insert(name.to_string());
            } else if options.contains(&name) {
                let value = match inline.or_else(|| argv.next()) {
                    Some(value) => value,
                    None => return Err(Exit::usage(format!("--{name} needs a value\n\n{usage}"))),
                };
                args.values.insert(name.to_string(), value);
            } else {
                return Err(Exit::usage(format!("unknown option --{name}\n\n{usage}")));
            }
        }
        Ok(args)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, Exit> {
        self.value(name)
            .ok_or_else(|| Exit::usage(format!("--{name} is required")))
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }

    /// The value of `--name` read as a `T`, or `default` when the option is absent.
    pub fn number<T: FromStr>(&self, name: &str, default: T) -> Result<T, Exit> {
        match self.value(name) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| Exit::usage(format!("--{name} expects a number, got {text:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, Exit> {
        Args::parse(
            words.iter().map(|w| w.to_string()),
            &["root", "alpn"],
            &["retry"],
            "usage",
        )
    }

    #[test]
    fn options_flags_and_positionals() {
        let args = parse(&["--root", "/www", "--alpn=h3", "--retry", "https://a/"]).unwrap();
        assert_eq!(args.value("root"), Some("/www"));
        assert_eq!(args.value("alpn"), Some("h3"));
        assert!(args.flag("retry"));
        assert_eq!(args.positional, vec!["https://a/"]);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        assert_eq!(parse(&["--nope"]).err().unwrap().code, EXIT_USAGE);
        assert_eq!(parse(&["--root"]).err().unwrap().code, EXIT_USAGE);
        assert_eq!(parse(&["--retry=yes"]).err().unwrap().code, EXIT_USAGE);
        let args = parse(&["--root", "x"]).unwrap();
        assert_eq!(
            args.number::<u64>("root", 1).err().unwrap().code,
            EXIT_USAGE
        );
    }
}
