//! Any bytes as an article body holding a binary: the yEnc and uuencode decoders never panic,
//! a yEnc part that decodes has as many bytes as its range says, and assembly never yields a
//! file that does not cover its size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::news::{uu, yenc};

fuzz_target!(|data: &[u8]| {
    if let Ok(part) = yenc::decode(data) {
        assert_eq!(part.data.len() as u64, part.end - part.begin + 1);
        assert!(part.end <= part.size);
        let mut a = yenc::Assembly::default();
        if a.add(part).is_ok() && a.is_complete() {
            let size = a.size;
            if let Ok(file) = a.finish(None) {
                assert_eq!(file.len() as u64, size);
            }
        }
    }
    let _ = yenc::file_crc(data);
    if let Ok(f) = uu::decode(data) {
        assert!(f.data.len() <= data.len());
    }
});
