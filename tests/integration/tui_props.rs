//! The terminal UI survives random input (issue 7): a proptest over random
//! sequences of keys (with Ctrl and Alt), mouse clicks and wheel turns,
//! pastes and resizes (from 1×1 to 220×70), driven against the UI state as
//! the event loop drives it, with a frame rendered into a `TestBackend` after
//! every event. No event panics and every frame renders: the screen is the
//! size asked for, never blank, and shows the UI (the acting user in the
//! status bar, unless a dialog covers it) or the *terminal too small* notice.
//!
//! `.ci/run` runs 24 cases of up to 160 events, each as one of five demo users; more:
//! `PROPTEST_CASES=2000 cargo test --release --test integration -- tui_props::`.

use proptest::prelude::*;

use treeward::app::App;
use treeward::tui::keys::{Input, Key, KeyCode, MouseKind};
use treeward::tui::theme::Theme;
use treeward::tui::{buffer_text, render_test, KeyMap, Ui};

use crate::common::env_number;
use crate::common::world::proptest_config;

fn key_code() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        // The UI's own keys, most often.
        8 => prop::sample::select(
            "jjjkkkhhllgG nNarmcCdsuLiw/?]y[xtARIMqeEo"
                .chars()
                .collect::<Vec<_>>()
        )
        .prop_map(KeyCode::Char),
        // Any character, wide and combining ones included.
        1 => any::<char>().prop_map(KeyCode::Char),
        6 => prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Backspace,
            KeyCode::Delete,
        ]),
        1 => (1u8..=24).prop_map(KeyCode::F),
    ]
}

/// One event, as `keys::from_crossterm` would hand it to the UI.
fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        30 => (key_code(), prop::bool::weighted(0.05), prop::bool::weighted(0.03))
            .prop_map(|(code, ctrl, alt)| Input::Key(Key { code, ctrl, alt })),
        2 => (1u16..=220, 1u16..=70).prop_map(|(w, h)| Input::Resize(w, h)),
        2 => (
            prop::sample::select(vec![
                MouseKind::Click,
                MouseKind::ScrollUp,
                MouseKind::ScrollDown
            ]),
            0u16..230,
            0u16..80
        )
            .prop_map(|(kind, col, row)| Input::Mouse { kind, col, row }),
        1 => ".{0,40}".prop_map(Input::Paste),
    ]
}

fn demo() -> App {
    let a = App::in_memory();
    a.demo("root").unwrap();
    a
}

fn run(login: &str, events: &[Input]) -> Result<(), TestCaseError> {
    let app = demo();
    let mut ui = Ui::new(
        &app,
        login,
        KeyMap::default(),
        Theme::load(None).unwrap(),
        false,
    )
    .unwrap();
    let (mut w, mut h) = (120u16, 35u16);
    render_test(&mut ui, w, h);
    for ev in events {
        if let Input::Resize(nw, nh) = ev {
            (w, h) = (*nw, *nh);
        }
        ui.handle(ev.clone());
        // q quits the real loop; here the sequence goes on.
        ui.quit = false;
        let buf = render_test(&mut ui, w, h);
        prop_assert_eq!((buf.area.width, buf.area.height), (w, h));
        let text = buffer_text(&buf);
        prop_assert!(
            text.chars().any(|c| !c.is_whitespace()),
            "a blank frame after {:?}",
            ev
        );
        // A dialog, the help or the message history may cover the status
        // bar on a short screen.
        let small = w < 40 || h < 12;
        let history = ui
            .layers
            .iter()
            .any(|l| matches!(l, treeward::tui::layers::Layer::Messages(_)));
        if !small && ui.dialog().is_none() && ui.help().is_none() && !history {
            let status = text.lines().nth(h as usize - 2).unwrap_or_default();
            prop_assert!(
                status.contains(login),
                "the status bar names {} after {:?}:\n{}",
                login,
                ev,
                text
            );
        } else if small && h >= 3 && w >= 18 {
            prop_assert!(
                text.contains("terminal too small"),
                "the notice at {}×{}:\n{}",
                w,
                h,
                text
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..proptest_config(env_number("PROPTEST_CASES", 24))
    })]

    #[test]
    fn random_keys_and_resizes_never_panic_and_every_frame_renders(
        user in prop::sample::select(vec!["root", "bob", "tina", "carol", "dave"]),
        events in prop::collection::vec(input(), 1..160),
    ) {
        run(user, &events)?;
    }
}
