//! The tour's programs, one module each; every standalone example includes its own module.
//! Each `run()` returns the line it prints, or an error saying what came out wrong.

pub mod barrier_phases;
pub mod condition_producer_consumer;
pub mod counter;
pub mod echo_server;
pub mod event_start;
pub mod futures_executor;
pub mod lifo_queue;
pub mod pipe_parent_child;
pub mod priority_queue;
pub mod process_killed_holder;
pub mod process_pipe;
pub mod process_queue;
pub mod process_value;
pub mod queue_producer_consumer;
pub mod semaphore_cap;
pub mod simple_queue;
pub mod thread_names;
pub mod timer_cancel;
pub mod unbounded_queue;
pub mod wait_many;
pub mod worker_pool;

/// A program: its title, and its body returning the checked result line.
pub type Program = (&'static str, fn() -> Result<String, String>);

/// Every program, in tour order.
pub const ALL: &[Program] = &[
    (counter::NAME, counter::run),
    (semaphore_cap::NAME, semaphore_cap::run),
    (event_start::NAME, event_start::run),
    (
        condition_producer_consumer::NAME,
        condition_producer_consumer::run,
    ),
    (queue_producer_consumer::NAME, queue_producer_consumer::run),
    (worker_pool::NAME, worker_pool::run),
    (futures_executor::NAME, futures_executor::run),
    (pipe_parent_child::NAME, pipe_parent_child::run),
    (thread_names::NAME, thread_names::run),
    (barrier_phases::NAME, barrier_phases::run),
    (timer_cancel::NAME, timer_cancel::run),
    (echo_server::NAME, echo_server::run),
    (unbounded_queue::NAME, unbounded_queue::run),
    (lifo_queue::NAME, lifo_queue::run),
    (priority_queue::NAME, priority_queue::run),
    (simple_queue::NAME, simple_queue::run),
    (wait_many::NAME, wait_many::run),
    (process_queue::NAME, process_queue::run),
    (process_pipe::NAME, process_pipe::run),
    (process_value::NAME, process_value::run),
    (process_killed_holder::NAME, process_killed_holder::run),
];

/// The entry points the process programs start children for (`weftsync::process::Builder`):
/// a child is this same executable, run for one of these.
pub fn entries() -> Vec<crate::standalone::Entry> {
    [
        process_queue::ENTRIES,
        process_pipe::ENTRIES,
        process_value::ENTRIES,
        process_killed_holder::ENTRIES,
    ]
    .concat()
}
