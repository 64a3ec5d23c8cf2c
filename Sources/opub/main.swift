import OpubCLI

await OpubCommand.runMain()
