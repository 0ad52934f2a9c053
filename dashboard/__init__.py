"""The staff dashboard at /dashboard/: queues, board, order detail and the leads' overview."""
