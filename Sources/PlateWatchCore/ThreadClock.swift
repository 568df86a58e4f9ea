import Foundation

/// CPU time consumed by the calling thread, in nanoseconds.
///
/// Stage costs are measured with it rather than the wall clock: with more camera threads than cores, a
/// wall-clock lap also counts the time a thread waited for a core, which is not the stage's cost.
public enum ThreadClock {
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
