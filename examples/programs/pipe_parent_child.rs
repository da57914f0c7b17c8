//! Python: `multiprocessing.Pipe` parent and child, as threads.
//!
//! ```python
//! parent, child = Pipe()
//! p = Process(target=f, args=(child,)); p.start()
//! parent.send([42, None, 'hello']); print(parent.recv()); p.join()
//! ```
//!
//! The parent sends three messages over a duplex pipe, the child answers each, and closing the
//! parent's end gives the child end-of-file.

use weftsync::pipe;

pub const NAME: &str = "pipe: parent/child over a duplex Pipe, ending in end-of-file";

pub fn run() -> Result<String, String> {
    let (parent, child) = pipe::<String>(4);
    let child_thread = std::thread::spawn(move || {
        let mut answered = 0;
        // Receives until end-of-file (Python's `EOFError`), the only way a blocking recv ends.
        for msg in child.iter() {
            child.send(format!("child got {msg:?}")).unwrap();
            answered += 1;
        }
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
    let answered = child_thread.join().unwrap();
    let line = format!(
        "{}; child answered {answered}, then saw end-of-file",
        answers.join(", ")
    );
    if answered == 3 { Ok(line) } else { Err(line) }
}
