import Logging

/// Logging for the standalone program: everything to standard error, so that standard output carries
/// only the one line with the URL and management key.
public enum SimulatorLogging {
    public static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "openrouter-sim")
        logger.logLevel = level
        return logger
    }
}
