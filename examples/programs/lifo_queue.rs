//! Python: a `queue.LifoQueue` as an undo stack shared by worker threads.
//!
//! ```python
//! undo = queue.LifoQueue()
//! for edit in edits: undo.put(edit)   # from several threads
//! while not undo.empty(): revert(undo.get())
//! ```
//!
//! Three editor threads push their edits (each its own, in order) on one unbounded LIFO queue;
//! then the edits are undone newest first. The check: every edit comes back exactly once, and
//! each editor's edits come back in the reverse of the order it made them (a FIFO queue would
//! give them in the same order, and the check would fail).

use weftsync::LifoQueue;

pub const NAME: &str = "LifoQueue: an undo stack, each editor's edits undone newest first";

pub fn run() -> Result<String, String> {
    let undo = LifoQueue::unbounded();
    std::thread::scope(|s| {
        for editor in 0..3u32 {
            let undo = &undo;
            s.spawn(move || {
                for step in 0..100u32 {
                    undo.put((editor, step)).expect("the stack is open");
                }
            });
        }
    });
    let undone: Vec<(u32, u32)> = undo.try_iter().collect();
    let mut last = [u32::MAX; 3];
    for &(editor, step) in &undone {
        let e = editor as usize;
        if step >= last[e] {
            return Err(format!(
                "editor {editor}: step {step} undone after step {}: not newest first",
                last[e]
            ));
        }
        last[e] = step;
    }
    if undone.len() != 300 || last != [0, 0, 0] {
        return Err(format!(
            "{} edits undone, last steps {last:?}",
            undone.len()
        ));
    }
    Ok(format!(
        "3 editors pushed 300 edits; undone newest first per editor, starting with {:?}",
        undone[0]
    ))
}
