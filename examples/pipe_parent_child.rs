//! The `multiprocessing.Pipe` tutorial's parent and child, as threads: the parent sends work
//! over a duplex pipe, the child answers each message, and closing the parent's end gives the
//! child end-of-file. Prints the answers and exits non-zero if any is wrong.
//!
//! Python original:
//! ```python
//! parent, child = Pipe()
//! p = Process(target=f, args=(child,)); p.start()
//! parent.send([42, None, 'hello']); print(parent.recv()); p.join()
//! ```

use weftsync::{RecvError, pipe};

fn main() {
    let (parent, child) = pipe::<String>(4);
    let child_thread = std::thread::spawn(move || {
        let mut answered = 0;
        loop {
            match child.recv() {
                Ok(msg) => {
                    child.send(format!("child got {msg:?}")).unwrap();
                    answered += 1;
                }
                Err(RecvError::Eof) => return answered,
                Err(e) => unreachable!("a blocking recv fails only at end-of-file: {e}"),
            }
        }
    });
    let mut ok = true;
    for word in ["42", "None", "hello"] {
        parent.send(word.to_string()).unwrap();
        let answer = parent.recv().unwrap();
        println!("{answer}");
        ok &= answer == format!("child got {word:?}");
    }
    drop(parent); // the child's recv now returns end-of-file
    let answered = child_thread.join().unwrap();
    println!("child answered {answered} messages, then saw end-of-file");
    if !ok || answered != 3 {
        std::process::exit(1);
    }
}
