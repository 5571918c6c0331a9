//! Which key presses came from the numeric keypad. egui reports a keypad 8 exactly as the
//! 8 above the letters, but a terminal host in application keypad mode (DECKPAM: `NetHack`,
//! editors' keypad bindings) needs them told apart. The window layer knows where a key is,
//! so the event loop notes each keypad press here before egui sees it, and the terminal
//! takes the notes of its frame and matches them to egui's events in order.

use std::sync::{Arc, Mutex};

use winit::application::ApplicationHandler;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::{KeyCode, KeyLocation, PhysicalKey};

use crate::terminal::KeypadKey;

/// A keypad key pressed, and the text it typed (`None` for Enter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeypadPress {
    pub key: KeypadKey,
    pub text: Option<String>,
}

/// The keypad presses since the last frame, shared by the event loop and the app.
#[derive(Debug, Clone, Default)]
pub struct KeypadTaps(Arc<Mutex<Vec<KeypadPress>>>);

/// At most this many presses wait for a frame (a key held down without frames, say).
const MAX_WAITING: usize = 64;

impl KeypadTaps {
    pub fn record(&self, press: KeypadPress) {
        if let Ok(mut v) = self.0.lock()
            && v.len() < MAX_WAITING
        {
            v.push(press);
        }
    }

    /// The presses since the last call, oldest first.
    pub fn take(&self) -> Vec<KeypadPress> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// The keypad key of a window key event, when it is a press on the keypad that types what
/// is printed on the key (Num Lock on), or the keypad's Enter.
pub fn keypad_press(event: &KeyEvent) -> Option<KeypadPress> {
    if event.location != KeyLocation::Numpad || event.state != ElementState::Pressed {
        return None;
    }
    let PhysicalKey::Code(code) = event.physical_key else {
        return None;
    };
    let key = match code {
        KeyCode::Numpad0 => KeypadKey::Digit(0),
        KeyCode::Numpad1 => KeypadKey::Digit(1),
        KeyCode::Numpad2 => KeypadKey::Digit(2),
        KeyCode::Numpad3 => KeypadKey::Digit(3),
        KeyCode::Numpad4 => KeypadKey::Digit(4),
        KeyCode::Numpad5 => KeypadKey::Digit(5),
        KeyCode::Numpad6 => KeypadKey::Digit(6),
        KeyCode::Numpad7 => KeypadKey::Digit(7),
        KeyCode::Numpad8 => KeypadKey::Digit(8),
        KeyCode::Numpad9 => KeypadKey::Digit(9),
        KeyCode::NumpadDecimal => KeypadKey::Decimal,
        KeyCode::NumpadAdd => KeypadKey::Plus,
        KeyCode::NumpadSubtract => KeypadKey::Minus,
        KeyCode::NumpadMultiply => KeypadKey::Multiply,
        KeyCode::NumpadDivide => KeypadKey::Divide,
        KeyCode::NumpadEnter => KeypadKey::Enter,
        KeyCode::NumpadEqual => KeypadKey::Equal,
        KeyCode::NumpadComma => KeypadKey::Comma,
        _ => return None,
    };
    if key == KeypadKey::Enter {
        return Some(KeypadPress { key, text: None });
    }
    // With Num Lock off the digits are arrows, Home and so on: those keys, not the keypad's.
    let text = event.text.as_ref().map(ToString::to_string)?;
    Some(KeypadPress {
        key,
        text: Some(text),
    })
}

/// The window's event handler with a tap on keyboard events in front.
pub struct KeypadTap<A> {
    pub inner: A,
    pub taps: KeypadTaps,
}

impl<A: ApplicationHandler<eframe::UserEvent>> ApplicationHandler<eframe::UserEvent>
    for KeypadTap<A>
{
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        self.inner.resumed(event_loop);
    }

    fn window_event(
        &mut self,
        event_loop: &ActiveEventLoop,
        window_id: winit::window::WindowId,
        event: WindowEvent,
    ) {
        if let WindowEvent::KeyboardInput { event: key, .. } = &event
            && let Some(press) = keypad_press(key)
        {
            self.taps.record(press);
        }
        self.inner.window_event(event_loop, window_id, event);
    }

    fn new_events(&mut self, event_loop: &ActiveEventLoop, cause: winit::event::StartCause) {
        self.inner.new_events(event_loop, cause);
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: eframe::UserEvent) {
        self.inner.user_event(event_loop, event);
    }

    fn device_event(
        &mut self,
        event_loop: &ActiveEventLoop,
        device_id: winit::event::DeviceId,
        event: winit::event::DeviceEvent,
    ) {
        self.inner.device_event(event_loop, device_id, event);
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        self.inner.about_to_wait(event_loop);
    }

    fn suspended(&mut self, event_loop: &ActiveEventLoop) {
        self.inner.suspended(event_loop);
    }

    fn exiting(&mut self, event_loop: &ActiveEventLoop) {
        self.inner.exiting(event_loop);
    }

    fn memory_warning(&mut self, event_loop: &ActiveEventLoop) {
        self.inner.memory_warning(event_loop);
    }
}

fn frame_id() -> egui::Id {
    egui::Id::NULL.with("keypad-presses-of-this-frame")
}

/// Makes `presses` the keypad presses of the frame being built.
pub fn set_this_frame(ctx: &egui::Context, presses: Vec<KeypadPress>) {
    ctx.data_mut(|d| d.insert_temp(frame_id(), Arc::new(presses)));
}

/// The keypad presses whose egui events are in this frame's input, oldest first.
pub fn this_frame(ctx: &egui::Context) -> Arc<Vec<KeypadPress>> {
    ctx.data(|d| d.get_temp(frame_id())).unwrap_or_default()
}
