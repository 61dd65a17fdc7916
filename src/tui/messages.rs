//! The status bar's message and the history behind it: a message is one
//! line in the status bar, with its full explanation (the rule's
//! reasoning, whom to ask) one key away in the history view, which keeps
//! the last [`KEPT`] messages of the session, newest first.

use std::collections::VecDeque;

use crate::domain::Timestamp;

/// Messages kept in the history.
pub const KEPT: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    /// The full explanation, shown in the history view.
    pub more: Vec<String>,
    pub error: bool,
    pub at: Timestamp,
}

#[derive(Debug, Default)]
pub struct Messages {
    /// Newest last.
    log: VecDeque<Message>,
    /// The newest message is shown in the status bar (until the next key).
    shown: bool,
}

impl Messages {
    pub fn push(&mut self, text: String, more: Vec<String>, error: bool) {
        // The same message again (a key held down) is not a new entry.
        if let Some(last) = self.log.back_mut() {
            if last.text == text && last.error == error {
                last.more = more;
                last.at = crate::app::now();
                self.shown = true;
                return;
            }
        }
        if self.log.len() == KEPT {
            self.log.pop_front();
        }
        self.log.push_back(Message {
            text,
            more,
            error,
            at: crate::app::now(),
        });
        self.shown = true;
    }

    /// The message in the status bar, if one is shown.
    pub fn current(&self) -> Option<&Message> {
        self.log.back().filter(|_| self.shown)
    }

    /// The status bar is cleared; the history keeps the message.
    pub fn clear(&mut self) {
        self.shown = false;
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Message> {
        self.log.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.log.len()
    }

    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_keeps_the_last_messages_and_clearing_keeps_them() {
        let mut m = Messages::default();
        for i in 0..KEPT + 5 {
            m.push(format!("m{i}"), vec![], false);
        }
        assert_eq!(m.len(), KEPT);
        assert_eq!(
            m.newest_first().next().unwrap().text,
            format!("m{}", KEPT + 4)
        );
        m.clear();
        assert!(m.current().is_none());
        assert_eq!(m.len(), KEPT);
        m.push("again".into(), vec!["why".into()], true);
        m.push("again".into(), vec!["why".into()], true);
        assert_eq!(m.len(), KEPT, "a repeat is not a new entry");
        assert!(m.current().unwrap().error);
    }
}
