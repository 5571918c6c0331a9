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

/// mimalloc serves the many small allocations that threads make at once (a folder's headers
/// read on one thread, stored on another, indexed on a third) with less work than glibc's
/// malloc, whose malloc and free were about an eighth of the instructions of a first sync.
/// Declared here so the window, the command line, the tests and the benchmarks all run on the
/// same allocator. Fuzzing keeps the sanitizer's own.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
