"""The application shell on top of every layer: the command line, the demo and
the sample web it crawls. No layer imports it."""
