//! What a browser without scripts should show of a page, decided on its DOM before it is
//! rendered: elements a browser hides are left out, and the page's main content comes first.
//!
//! Documentation sites hide help panels and menus with `hidden`, `aria-hidden` or an inline
//! `display: none`, and put a long navigation before `<main>`; rendered as they stand, such a
//! page starts with its hidden panels and its menu.

use std::rc::Rc;

use html2text::{Element, Handle, RcDom};

/// Leaves out what is hidden and moves the main content to the top of `<body>`.
pub fn prepare(dom: &RcDom) {
    strip_hidden(&dom.document);
    main_first(&dom.document);
}

fn name_of(node: &Handle) -> Option<&str> {
    match &node.data {
        Element { name, .. } => Some(&*name.local),
        _ => None,
    }
}

fn attr(node: &Handle, wanted: &str) -> Option<String> {
    match &node.data {
        Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| (*a.name.local).eq_ignore_ascii_case(wanted))
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

/// Hidden the way a browser hides it without running scripts or loading style sheets.
fn is_hidden(node: &Handle) -> bool {
    let Some(name) = name_of(node) else {
        return false;
    };
    if name.eq_ignore_ascii_case("template") || attr(node, "hidden").is_some() {
        return true;
    }
    if attr(node, "aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return true;
    }
    attr(node, "style").is_some_and(|style| {
        style.split(';').any(|decl| {
            let compact: String = decl
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            compact.starts_with("display:none")
        })
    })
}

/// Walks the tree with a stack of its own: a page nested a hundred thousand deep must not
/// overflow the thread's stack.
fn strip_hidden(root: &Handle) {
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        node.children.borrow_mut().retain(|c| !is_hidden(c));
        stack.extend(node.children.borrow().iter().cloned());
    }
}

/// The first element, in document order, that `pick` accepts.
fn find(root: &Handle, pick: impl Fn(&Handle) -> bool) -> Option<Handle> {
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        if pick(&node) {
            return Some(node);
        }
        stack.extend(node.children.borrow().iter().rev().cloned());
    }
    None
}

fn is_named(node: &Handle, wanted: &str) -> bool {
    name_of(node).is_some_and(|n| n.eq_ignore_ascii_case(wanted))
}

/// Moves `<main>` (or `role="main"`, else the first `<article>`) to the start of `<body>`.
fn main_first(root: &Handle) {
    let Some(body) = find(root, |n| is_named(n, "body")) else {
        return;
    };
    let main = find(&body, |n| {
        is_named(n, "main") || attr(n, "role").is_some_and(|r| r.eq_ignore_ascii_case("main"))
    })
    .or_else(|| find(&body, |n| is_named(n, "article")));
    let Some(main) = main else {
        return;
    };
    let weak = main.parent.take();
    let Some(parent) = weak.as_ref().and_then(std::rc::Weak::upgrade) else {
        main.parent.set(weak);
        return;
    };
    parent
        .children
        .borrow_mut()
        .retain(|c| !Rc::ptr_eq(c, &main));
    body.children.borrow_mut().insert(0, main.clone());
    main.parent.set(Some(Rc::downgrade(&body)));
}
