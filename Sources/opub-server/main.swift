import Foundation
import OpubServer

exit(await OpubServerCommand.run())
