"""What is graded comes in here: reading a file, discovering a class's files, and rosters."""
