//! One module per panel. Panels appear here as their issues land.

pub mod browser;
pub mod files;
