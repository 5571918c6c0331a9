//! Gopher (RFC 1436 and the de-facto item types): menu parsing and fetching.

mod client;
mod menu;

pub use client::{GopherError, download, fetch, request_line, strip_text_terminator};
pub use menu::{ItemClass, MAX_DISPLAY, Menu, MenuItem, Problem, class_of, parse_menu, type_name};
