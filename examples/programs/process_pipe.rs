//! Python: `multiprocessing.Pipe()` between a parent and a child *process*.
//!
//! ```python
//! parent, child = Pipe()
//! p = Process(target=f, args=(child,)); p.start()
//! parent.send('hello'); print(parent.recv()); parent.close(); p.join()
//! ```
//!
//! The parent sends three messages over a duplex pipe in shared memory; the child process
//! answers each, and exits with the number it answered once the parent's end is closed (its
//! end-of-file). The check fails on a wrong or missing answer or a child that never saw EOF.

use weftsync::process::{Builder, End, RecvError, Region};

pub const NAME: &str = "process pipe: parent and child process over a duplex Pipe, then EOF";

pub const ENTRIES: &[crate::standalone::Entry] = &[("pipe_child", child)];

fn child() -> Result<(), String> {
    let r = Region::attach().map_err(|e| e.to_string())?;
    let conn = r
        .find_pipe("pipe")
        .map_err(|e| e.to_string())?
        .open(End::B)
        .map_err(|e| e.to_string())?;
    let mut answered = 0;
    loop {
        match conn.recv::<String>() {
            Ok(msg) => {
                conn.send(&format!("child got {msg:?}"))
                    .map_err(|e| e.to_string())?;
                answered += 1;
            }
            Err(RecvError::Disconnected) => std::process::exit(answered),
            Err(e) => return Err(e.to_string()),
        }
    }
}

pub fn run() -> Result<String, String> {
    let r = Region::create(16 * 1024).map_err(|e| e.to_string())?;
    let pipe = r.place_pipe("pipe", 1024).map_err(|e| e.to_string())?;
    let parent = pipe.open(End::A).map_err(|e| e.to_string())?;
    let kid = Builder::new("pipe_child")
        .region(&r)
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut answers = Vec::new();
    for word in ["42", "None", "hello"] {
        parent.send(word).map_err(|e| e.to_string())?;
        let answer: String = parent.recv().map_err(|e| e.to_string())?;
        if answer != format!("child got {word:?}") {
            return Err(format!("wrong answer {answer:?} to {word:?}"));
        }
        answers.push(answer);
    }
    drop(parent); // the child's recv now reads end-of-file
    let status = kid.join().map_err(|e| e.to_string())?;
    let line = format!(
        "{}; child process answered {:?}, then saw end-of-file",
        answers.join(", "),
        status.code()
    );
    if status.code() == Some(3) {
        Ok(line)
    } else {
        Err(line)
    }
}
