//! Python: `multiprocessing.Pipe` parent and child, as threads.
//!
//! ```python
//! parent, child = Pipe()
//! p = Process(target=f, args=(child,)); p.start()
//! parent.send([42, None, 'hello']); print(parent.recv()); p.join()
//! ```
//!
//! The parent sends three messages over a duplex pipe, the child answers each, and closing the
//! parent's end gives the child end-of-file. Each answer names its question, so a pipe that
//! mixed the two directions (the parent reading its own message) or reordered them fails; a
//! close that never reached the child as end-of-file fails after 10 s instead of hanging.

use std::sync::Arc;
use std::time::Duration;
use weftsync::{Event, pipe};

pub const NAME: &str = "pipe: parent/child over a duplex Pipe, ending in end-of-file";

pub fn run() -> Result<String, String> {
    let (parent, child) = pipe::<String>(4);
    let child_done = Arc::new(Event::new());
    let done = Arc::clone(&child_done);
    let child_thread = std::thread::spawn(move || {
        let mut answered = 0;
        // Receives until end-of-file (Python's `EOFError`), the only way a blocking recv ends.
        for msg in child.iter() {
            child.send(format!("child got {msg:?}")).unwrap();
            answered += 1;
        }
        done.set();
        answered
    });
    let mut answers = Vec::new();
    for word in ["42", "None", "hello"] {
        parent.send(word.to_string()).map_err(|e| e.to_string())?;
        let answer = parent.recv().map_err(|e| e.to_string())?;
        if answer != format!("child got {word:?}") {
            return Err(format!("wrong answer {answer:?} to {word:?}"));
        }
        answers.push(answer);
    }
    drop(parent); // the child's recv now returns end-of-file
    if !child_done.wait_for(Duration::from_secs(10)) {
        return Err("the child saw no end-of-file 10 s after the parent closed its end".into());
    }
    let answered = child_thread.join().unwrap();
    let line = format!(
        "{}; child answered {answered}, then saw end-of-file",
        answers.join(", ")
    );
    if answered == 3 { Ok(line) } else { Err(line) }
}
