//! Every integration test in one binary. Each test file is a module here rather than its own
//! crate: linking the egui, tokio and rustls stack once instead of two dozen times keeps a
//! clean build's disk use and link time small. nextest still runs each test in its own
//! process, so no test sees another's globals.

mod common;

mod cli;
mod desktop;
mod faults;
mod ftp;
mod gopher;
mod http;
mod kill_draft;
mod mail;
mod mail_faults;
mod mail_sync;
mod news_faults;
mod news_store;
mod nntp;
mod one_window;
mod outbox;
mod smtp;
mod sockets;
mod telnet;
mod tools;
mod ui_activity;
mod ui_browser;
mod ui_compose;
mod ui_files;
mod ui_mail;
mod ui_news;
mod ui_terminal;
mod ui_tools;
