//! Portolan: one light window for FTP, mail, news, Gopher, simple web pages and Telnet.
//!
//! Layers, one way: `ui` sends commands to `workers`, which call `proto` and the `store`, and
//! send events back. See the README for the shape and the rules.

pub mod charset;
pub mod cli;
pub mod desktop_handlers;
pub mod document;
pub mod filename;
pub mod frame_guard;
pub mod link;
pub mod link_parts;
pub mod mail;
pub mod mirror;
pub mod news;
pub mod proto;
pub mod protocol_log;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod terminal;
pub mod ui;
pub mod workers;
