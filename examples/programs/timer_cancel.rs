//! Python: `threading.Timer`, one that fires and one that is cancelled in time.
//!
//! ```python
//! hello = threading.Timer(0.03, lambda: print("hello")); hello.start()
//! alarm = threading.Timer(60, ring_the_alarm);             alarm.start()
//! alarm.cancel()          # in time: the alarm never rings
//! hello.join(); alarm.join()
//! ```
//!
//! The hello timer must fire, and not before its delay (a timer that fired at once fails); the
//! alarm must never run once `cancel` said `true`, and must be finished at once (a `cancel` that
//! only set a flag the sleeping timer reads after its 60 s fails after 10 s, not a minute). Then
//! 200 timers that fire at once are each cancelled after a few microseconds, so cancel races the
//! fire: whichever wins, `cancel()`'s answer must match whether the closure ran (a cancel that
//! decided apart from the fire, not in one atomic step with it, could answer wrong when they
//! meet; the 200 races make that meeting likely, not certain).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::Timer;

pub const NAME: &str = "timer: one Timer fires after its delay, one is cancelled in time";

pub fn run() -> Result<String, String> {
    let delay = Duration::from_millis(30);
    let started = Instant::now();
    let hello = Timer::start(delay, move || started.elapsed());
    let rang = Arc::new(AtomicBool::new(false));
    let alarm = {
        let rang = Arc::clone(&rang);
        Timer::start(Duration::from_secs(60), move || rang.store(true, SeqCst))
    };
    let cancelled = alarm.cancel();
    // A cancelled timer is finished at once; at most 10 s, so a cancel that did not stop the
    // timer fails here rather than after its 60 s.
    if !alarm.join_for(Duration::from_secs(10)) {
        return Err(format!(
            "cancel() said {cancelled}, but the alarm is still pending"
        ));
    }
    let fired_after = hello
        .join()
        .map_err(|e| format!("hello did not fire: {e}"))?;
    let alarm_joined = alarm.join();
    if !cancelled || alarm_joined.is_ok() || rang.load(SeqCst) {
        return Err("the alarm rang although it was cancelled in time".into());
    }
    if fired_after < delay {
        return Err(format!(
            "hello fired early: after {fired_after:?}, delay {delay:?}"
        ));
    }
    const RACES: usize = 200;
    let (mut won, mut lost) = (0, 0);
    for i in 0..RACES {
        let ran = Arc::new(AtomicBool::new(false));
        let t = {
            let ran = Arc::clone(&ran);
            Timer::start(Duration::ZERO, move || ran.store(true, SeqCst))
        };
        // Cancel after 0 to ~400 µs, around as long as the timer's thread takes to start, so
        // the cancel sometimes wins and sometimes loses. Either is fine; a wrong answer is not.
        let cancel_at = Instant::now() + Duration::from_micros((i % 20) as u64 * 20);
        while Instant::now() < cancel_at {
            std::hint::spin_loop();
        }
        let cancelled = t.cancel();
        let _ = t.join();
        if cancelled == ran.load(SeqCst) {
            return Err(format!(
                "race {i}: cancel() said {cancelled} but ran = {}",
                !cancelled
            ));
        }
        if cancelled { won += 1 } else { lost += 1 }
    }
    Ok(format!(
        "hello fired after {:.1} ms (delay 30 ms); the cancelled alarm never rang; \
         {RACES} cancel-vs-fire races: {won} cancelled, {lost} fired, every answer right",
        fired_after.as_secs_f64() * 1e3
    ))
}
