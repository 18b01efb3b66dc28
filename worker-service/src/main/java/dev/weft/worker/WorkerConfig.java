package dev.weft.worker;

import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The worker's configuration as built by {@link WorkerService.Builder}: a value, fixed once the
 * service exists. Each field is validated by the builder's setter of the same name.
 *
 * @param workers              worker threads ({@code worker.workers})
 * @param queueCapacity        bound of the memory store's queue ({@code worker.queue-capacity})
 * @param storeCapacity        most records the memory store keeps ({@code worker.store-capacity})
 * @param rate                 jobs started per second at most, 0 for no limit ({@code worker.rate})
 * @param burst                jobs that may start in a burst above the rate ({@code worker.burst})
 * @param jobTimeout           deadline of each attempt ({@code worker.job-timeout})
 * @param maxAttempts          most attempts of a job whose failures are retryable ({@code worker.max-attempts})
 * @param retention            how long finished records are kept ({@code worker.retention})
 * @param housekeepingInterval how often expiry (and, with a shared store, the reaper) runs
 * @param abandonGrace         how long a cancelled handler may take to stop before its job is abandoned
 * @param backoff              the wait between retryable attempts
 * @param clock                source of the memory store's timestamps and retention cut-off
 * @param sleeper              what waits out an in-place backoff
 * @param random               source of backoff jitter, uniform in [0, 1)
 */
record WorkerConfig(int workers, int queueCapacity, int storeCapacity, double rate, int burst, Duration jobTimeout,
                    int maxAttempts, Duration retention, Duration housekeepingInterval, Duration abandonGrace,
                    Backoff backoff, Clock clock, WorkerService.Sleeper sleeper, DoubleSupplier random) { }
