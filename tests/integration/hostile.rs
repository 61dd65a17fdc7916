//! Hostile input (issue 7): control characters, ANSI escape sequences,
//! right-to-left marks, 10,000-character strings, invalid UTF-8 in arguments
//! and in imported JSON, deeply nested JSON, paths with `..`. Each gives a
//! clear error (creating commands: `invalid input:`, exit 2), nothing is
//! stored (the export is byte-for-byte unchanged), and no output of any run
//! carries a raw ESC, C0/C1 control or bidi control.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::outcome;
use crate::common::trust_util::*;

static TRIED: AtomicUsize = AtomicUsize::new(0);

const T: &str = "/Default Workspace/team";
const WS: &str = "Default Workspace";

fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("CSI colour", "a\x1b[31mred\x1b[0m".into()),
        ("clear screen", "x\x1b[2J\x1b[H".into()),
        ("OSC title", "t\x1b]0;pwned\x07".into()),
        (
            "OSC 8 link",
            "\x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\".into(),
        ),
        ("bare ESC", "\x1b".into()),
        ("BEL", "bell\x07".into()),
        ("backspace", "abc\x08\x08\x08xyz".into()),
        ("carriage return", "safe\rEVIL".into()),
        ("line feed", "one\ntwo".into()),
        ("tab", "a\tb".into()),
        ("DEL", "a\x7f".into()),
        ("C1 CSI", "a\u{9b}31mb".into()),
        ("C1 NEL", "a\u{85}b".into()),
        ("RLO", "gpj.\u{202e}exe".into()),
        ("RLM", "x\u{200f}y".into()),
        ("LRI", "x\u{2066}y\u{2069}".into()),
        ("ALM", "x\u{061c}y".into()),
        ("10k chars", "z".repeat(10_000)),
        ("10k wide chars", "é".repeat(10_000)),
        ("65 chars", "n".repeat(65)),
        ("dot-dot", "..".into()),
        ("dot", ".".into()),
        ("slash", "a/b".into()),
        ("colon", "a:b".into()),
        ("empty", "".into()),
        ("blank", "   ".into()),
    ]
}

fn check_run(r: &Run, case: &str, allowed: &[i32]) {
    TRIED.fetch_add(1, Ordering::Relaxed);
    assert_no_escape(r, case);
    let err = r.err();
    assert!(
        !err.contains("internal error") && !err.contains("panicked"),
        "{case}: {err}"
    );
    let code = r.code.expect("killed by a signal");
    assert!(
        allowed.contains(&code),
        "{case}: exit {code} not in {allowed:?}: {err}"
    );
    if outcome::label(code).is_some() {
        outcome::assert_error_line(&err, code, case);
    } else if code != 0 {
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{case}: not one line: {err:?}"
        );
    }
}

fn unchanged(db: &Path, before: &str, case: &str) {
    assert_eq!(export(db), before, "{case}: something was stored");
}

#[test]
fn hostile_names_and_texts_are_refused() {
    let (_t, db, before) = demo_with_export();
    let app = format!("{T}/Plant/Line 1/OEE");
    for (what, h) in hostile() {
        // Every place a name or a text enters the store: refused, exit 2.
        let creating: Vec<Vec<String>> = vec![
            vec!["mkdir".into(), format!("{T}/{h}")],
            vec!["app".into(), format!("{T}/{h}")],
            vec!["rename".into(), format!("{T}/Plant"), h.clone()],
            vec!["ws".into(), "add".into(), h.clone()],
            vec!["group".into(), "add".into(), h.clone()],
            vec!["org".into(), "add".into(), h.clone()],
            vec!["tenant".into(), "add".into(), h.clone()],
            vec!["user".into(), "add".into(), h.clone()],
            vec![
                "asset".into(),
                "add".into(),
                app.clone(),
                "chart".into(),
                h.clone(),
            ],
            vec![
                "integ".into(),
                "add".into(),
                WS.into(),
                h.clone(),
                "http".into(),
                "http://x".into(),
            ],
        ];
        for args in creating {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = tw(&db, "own", &a);
            // A slash inside a path is a separator: its parent is not found.
            let in_path = matches!(args[0].as_str(), "mkdir" | "app");
            let allowed: &[i32] = if in_path && h.contains('/') {
                &[2, 4]
            } else {
                &[2]
            };
            check_run(&r, &format!("{what}: {}", args[0]), allowed);
        }
        // Free texts: notes, descriptions, display names, endpoints. Plain
        // spaces, dots and slashes are fine there; control characters are not.
        let plain = !h.chars().any(|c| {
            c.is_control()
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || "\u{202e}\u{200f}\u{061c}".contains(c)
        });
        let texts: Vec<Vec<String>> = vec![
            vec![
                "share".into(),
                format!("{T}/Plant"),
                "user:own".into(),
                "viewer".into(),
                "--note".into(),
                h.clone(),
            ],
            vec!["describe".into(), format!("{T}/Plant"), h.clone()],
            vec![
                "user".into(),
                "add".into(),
                "newbie".into(),
                "--name".into(),
                h.clone(),
            ],
            vec![
                "resource".into(),
                "set".into(),
                WS.into(),
                "influxdb".into(),
                h.clone(),
            ],
        ];
        for args in texts {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = tw(&db, "own", &a);
            let case = format!("{what}: {} {}", args[0], args[1]);
            if plain && h.chars().count() <= 64 && !h.trim().is_empty() {
                // An ordinary text: accepted or refused, but never raw.
                check_run(&r, &case, &[0, 2]);
                if r.ok() {
                    return_to(&db, &before);
                }
            } else if plain {
                check_run(&r, &case, &[0, 2]);
                if r.ok() {
                    return_to(&db, &before);
                }
            } else {
                check_run(&r, &case, &[2]);
            }
        }
        // Lookups naming the hostile text: invalid or not found, escaped.
        let lookups: Vec<(Vec<String>, &[i32])> = vec![
            (vec!["ls".into(), format!("{T}/{h}")], &[2, 4]),
            (vec!["tree".into(), format!("/{h}")], &[2, 4]),
            (vec!["rm".into(), format!("{T}/{h}")], &[2, 4]),
            (
                vec!["mv".into(), format!("{T}/Plant"), format!("{T}/{h}")],
                &[2, 4],
            ),
            (
                vec![
                    "check".into(),
                    h.clone(),
                    "view".into(),
                    format!("{T}/Plant"),
                ],
                &[2, 3, 4],
            ),
            (
                vec!["explain".into(), "own".into(), format!("{T}/{h}")],
                &[2, 4],
            ),
            (
                vec![
                    "share".into(),
                    format!("{T}/Plant"),
                    format!("group:{h}"),
                    "viewer".into(),
                ],
                &[2, 4],
            ),
            (vec!["log".into(), "--workspace".into(), h.clone()], &[2, 4]),
        ];
        for (args, allowed) in lookups {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            if h.trim().is_empty() && !matches!(args[0].as_str(), "ls" | "tree") {
                continue; // an empty last segment names the folder itself: not hostile
            }
            let r = tw(&db, "own", &a);
            // An empty last segment names the folder itself: a plain lookup.
            let allowed: Vec<i32> =
                if h.trim().is_empty() && matches!(args[0].as_str(), "ls" | "tree") {
                    vec![0, 2, 4]
                } else {
                    allowed.to_vec()
                };
            check_run(&r, &format!("{what}: {}", args[0]), &allowed);
        }
        // As an identity.
        let r = tw(&db, &h, &["ls"]);
        check_run(&r, &format!("{what}: --as"), &[2, 3]);
        unchanged(&db, &before, what);
    }
    // What people read afterwards is clean too.
    for args in [
        &["tree"][..],
        &["log"][..],
        &["user", "ls"][..],
        &["ws", "ls"][..],
    ] {
        let r = tw(&db, "own", args);
        check_run(&r, args[0], &[0]);
    }
    println!("hostile: {} inputs tried", TRIED.load(Ordering::Relaxed));
}

/// Undoes an accepted ordinary text by rebuilding the store from `before`.
fn return_to(db: &Path, before: &str) {
    std::fs::remove_dir_all(db).unwrap();
    let f = db.with_file_name("before.json");
    std::fs::write(&f, before).unwrap();
    let r = tw(db, "own", &["import", f.to_str().unwrap()]);
    assert!(r.ok(), "{}", r.err());
}

#[test]
fn invalid_utf8_in_arguments() {
    let (_t, db, before) = demo_with_export();
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("lone 0xff", b"\xff".to_vec()),
        ("overlong slash", b"a\xc0\xafb".to_vec()),
        ("surrogate", b"\xed\xa0\x80".to_vec()),
        ("truncated", b"ab\xe2\x82".to_vec()),
        ("ESC then 0xff", b"\x1b[31m\xff".to_vec()),
    ];
    for (what, b) in bad {
        let mut path = format!("{T}/").into_bytes();
        path.extend_from_slice(&b);
        let p = OsString::from_vec(path);
        let arg = OsString::from_vec(b.clone());
        let cases: Vec<Vec<OsString>> = vec![
            vec![os("mkdir"), p.clone()],
            vec![os("app"), p.clone()],
            vec![os("ls"), p.clone()],
            vec![os("rename"), os(&format!("{T}/Plant")), arg.clone()],
            vec![os("group"), os("add"), arg.clone()],
            vec![
                os("share"),
                os(&format!("{T}/Plant")),
                os("user:own"),
                os("viewer"),
                os("--note"),
                arg.clone(),
            ],
        ];
        for args in cases {
            let r = tw_os(&db, "own", &args);
            check_run(&r, &format!("{what}: {:?}", args[0]), &[2]);
        }
        // As the acting login.
        let mut c = command(&db, "own");
        c.arg("--as").arg(&arg).arg("ls");
        let r = run_with_timeout(c, TIMEOUT);
        check_run(&r, &format!("{what}: --as"), &[2, 3]);
    }
    unchanged(&db, &before, "invalid UTF-8");
}

#[test]
fn hostile_imports_are_refused() {
    let (t, db, before) = demo_with_export();
    let good: serde_json::Value = serde_json::from_str(&before).unwrap();
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
    docs.push(("invalid UTF-8".into(), {
        let mut b = before.clone().into_bytes();
        let at = b.iter().position(|c| *c == b'P').unwrap();
        b[at] = 0xff;
        b
    }));
    docs.push((
        "UTF-16 bytes".into(),
        before
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect(),
    ));
    docs.push((
        "deep arrays".into(),
        format!(
            "{{\"format\":\"treeward-export\",\"version\":1,\"account\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
        .into_bytes(),
    ));
    docs.push(("deep objects".into(), {
        let mut s = String::from("{\"format\":\"treeward-export\",\"version\":1,\"users\":");
        for _ in 0..50_000 {
            s.push_str("{\"a\":");
        }
        s.push('1');
        s.push_str(&"}".repeat(50_001));
        s.into_bytes()
    }));
    docs.push(("not JSON".into(), b"\x1b[31m hello".to_vec()));
    docs.push(("empty".into(), Vec::new()));
    docs.push((
        "truncated".into(),
        before.as_bytes()[..before.len() / 2].to_vec(),
    ));
    // Valid JSON, hostile values: each string field of the account in turn.
    for (what, h) in hostile() {
        for field in [
            "item name",
            "user name",
            "group name",
            "note",
            "workspace name",
            "login",
        ] {
            let mut v = good.clone();
            let target = match field {
                "item name" => &mut v["workspaces"][0]["items"][0]["name"],
                "user name" => &mut v["users"][1]["name"],
                "group name" => &mut v["groups"][0]["name"],
                "workspace name" => &mut v["workspaces"][0]["name"],
                "login" => &mut v["users"][1]["login"],
                _ => {
                    let items = v["workspaces"][0]["items"].as_array_mut().unwrap();
                    let it = items
                        .iter_mut()
                        .find(|i| !i["grants"].as_array().unwrap().is_empty())
                        .unwrap();
                    &mut it["grants"][0]["note"]
                }
            };
            *target = serde_json::Value::String(h.clone());
            let plain = !h.chars().any(|c| {
                c.is_control()
                    || ('\u{2066}'..='\u{2069}').contains(&c)
                    || "\u{202e}\u{200f}\u{061c}".contains(c)
            });
            if plain && (field == "user name" || field == "note") && h.chars().count() <= 1000 {
                continue; // an ordinary display text
            }
            docs.push((
                format!("{what} as {field}"),
                serde_json::to_vec(&v).unwrap(),
            ));
        }
    }
    // `..` as an item name, and a parent that is the item itself (a cycle).
    let mut v = good.clone();
    v["workspaces"][0]["items"][0]["parent"] = v["workspaces"][0]["items"][0]["id"].clone();
    docs.push(("self parent".into(), serde_json::to_vec(&v).unwrap()));
    let mut n = 0;
    for (what, bytes) in docs {
        n += 1;
        let f = t.path().join(format!("doc{n}.json"));
        std::fs::write(&f, &bytes).unwrap();
        let fresh = t.path().join(format!("fresh{n}"));
        let r = tw(&fresh, "own", &["import", f.to_str().unwrap()]);
        check_run(&r, &what, &[2, 5]);
        // Nothing stored: the fresh store still holds no account.
        let r = tw(&fresh, "own", &["ls"]);
        assert_eq!(
            r.code,
            Some(6),
            "{what}: the import stored something: {}",
            r.err()
        );
        // (a file that is not UTF-8 is refused before the store is made at all)
        assert!(
            r.err().contains("no account") || r.err().contains("there is no store"),
            "{what}: {}",
            r.err()
        );
    }
    unchanged(&db, &before, "imports");
    println!("hostile imports: {n} documents refused");
}

#[test]
fn paths_with_dot_dot() {
    let (_t, db, before) = demo_with_export();
    let cases: Vec<(Vec<String>, &[i32])> = vec![
        (vec!["mkdir".into(), format!("{T}/../team/x")], &[2]),
        (vec!["mkdir".into(), format!("{T}/Plant/../x")], &[2]),
        (vec!["app".into(), format!("{T}/./x")], &[2]),
        (vec!["ls".into(), format!("{T}/Plant/..")], &[2]),
        (vec!["ls".into(), "/..".into()], &[2]),
        (vec!["ls".into(), format!("/{WS}/my/../team")], &[2, 4]),
        (
            vec![
                "mv".into(),
                format!("{T}/Plant/Line 1"),
                format!("{T}/Plant/.."),
            ],
            &[2],
        ),
        (vec!["rm".into(), format!("{T}/Plant/Line 1/..")], &[2]),
        (
            vec![
                "cp".into(),
                format!("{T}/Plant/Line 1/OEE"),
                format!("{T}/../../x"),
            ],
            &[2],
        ),
        (
            vec![
                "share".into(),
                format!("{T}/Plant/.."),
                "user:own".into(),
                "viewer".into(),
            ],
            &[2],
        ),
        (
            vec![
                "asset".into(),
                "rm".into(),
                format!("{T}/Plant/Line 1/OEE:chart/../x"),
            ],
            &[2, 4],
        ),
        // It exists: not replaced without --force (a conflict); with it,
        // the write to a full device fails with one clean line.
        (
            vec!["export".into(), "../../../../../../dev/full".into()],
            &[5],
        ),
        (
            vec![
                "export".into(),
                "--force".into(),
                "../../../../../../dev/full".into(),
            ],
            &[0, 2, 6],
        ),
    ];
    for (args, allowed) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = tw(&db, "own", &a);
        check_run(&r, &args.join(" "), allowed);
    }
    unchanged(&db, &before, "dot-dot");
}
