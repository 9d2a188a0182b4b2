"""`python -m course_utils.figures [--out DIR] [NAMES...]` draws the course's figures."""

from course_utils.figures import main

main()
