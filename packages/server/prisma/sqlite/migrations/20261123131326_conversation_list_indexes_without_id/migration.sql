-- DropIndex
DROP INDEX "Conversation_workspaceId_spam_lastMessageAt_id_idx";

-- DropIndex
DROP INDEX "Conversation_workspaceId_inboxId_spam_lastMessageAt_id_idx";

-- DropIndex
DROP INDEX "Conversation_workspaceId_status_spam_lastMessageAt_id_idx";

-- CreateIndex
CREATE INDEX "Conversation_workspaceId_spam_lastMessageAt_idx" ON "Conversation"("workspaceId", "spam", "lastMessageAt");

-- CreateIndex
CREATE INDEX "Conversation_workspaceId_inboxId_spam_lastMessageAt_idx" ON "Conversation"("workspaceId", "inboxId", "spam", "lastMessageAt");

-- CreateIndex
CREATE INDEX "Conversation_workspaceId_status_spam_lastMessageAt_idx" ON "Conversation"("workspaceId", "status", "spam", "lastMessageAt");
