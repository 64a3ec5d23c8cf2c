import Foundation
import OpubMCP

exit(await OpubMCPServer.main(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment))
