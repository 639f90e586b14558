"""Starting structures for common sessions: they fill a new note's layers and headings.
The therapist edits everything; nothing here is sent anywhere on its own."""

SESSION_TEMPLATES = {
    "first": {
        "label": "First session",
        "layers": ["foundations"],
        "talked_about": "- What brings you to counselling now\n- What each of you hopes will "
        "change\n- How we will work together",
        "noticed": "- Strengths you already have as a couple\n- ",
        "practise": "- Notice one moment each day when you felt close, and tell each other.",
    },
    "checkup": {
        "label": "Check-up feedback",
        "layers": ["foundations", "love-maps", "trust"],
        "talked_about": "- Your relationship check-up results, floor by floor\n- Where you "
        "agree and where you see things differently",
        "noticed": "- The parts of your house that are strong\n- The two places to start",
        "practise": "- Read the handouts for the two places to start, and talk about one idea "
        "from each.",
    },
    "conflict": {
        "label": "Conflict session",
        "layers": ["manage-conflict"],
        "talked_about": "- A recent disagreement, step by step\n- Gentle start-up and repair",
        "noticed": "- What happened in your bodies when things got heated\n- Repair attempts "
        "that worked",
        "practise": '- Use a gentle start-up once this week: "I feel ... about ... I need ..."\n'
        "- Take a 20-minute break when one of you feels flooded, then come back.",
    },
}
