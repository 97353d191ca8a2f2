//! The agent core: the conversation, one step of the loop, and its events.

pub mod cancel;
pub mod conversation;
