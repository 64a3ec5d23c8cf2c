import OpubCore
import OpubServer
import OpubTestSupport
import Testing

@Suite("Token buckets")
struct RateLimiterTests {
    @Test("a bucket empties, says how long to wait, and refills with time")
    func bucket() async {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        let bucket = TokenBucket(capacity: 3, secondsPerToken: 10)
        for _ in 0..<3 { #expect(await limiter.take(bucket, key: "a") == nil) }
        #expect(await limiter.take(bucket, key: "a") == 10)
        #expect(await limiter.take(bucket, key: "b") == nil)
        clock.advance(seconds: 4)
        #expect(await limiter.take(bucket, key: "a") == 6)
        clock.advance(seconds: 6)
        #expect(await limiter.take(bucket, key: "a") == nil)
        clock.advance(seconds: 1000)
        for _ in 0..<3 { #expect(await limiter.take(bucket, key: "a") == nil) }
        #expect(await limiter.take(bucket, key: "a") != nil)
    }

    @Test("memory stays bounded")
    func bounded() async {
        let limiter = RateLimiter(clock: ManualClock(), maximumBuckets: 100)
        for index in 0..<1000 { _ = await limiter.take(TokenBucket(capacity: 1, secondsPerToken: 1), key: "\(index)") }
        #expect(await limiter.bucketCount <= 100)
    }
}
