"""The command line: argument parsing (main) and one function per command (commands)."""
