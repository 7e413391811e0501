//! Identity sources: each proves who the user is and yields something STS accepts.

pub mod ecp;
