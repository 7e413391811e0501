//! Where credentials go once we have them.

pub mod process;
