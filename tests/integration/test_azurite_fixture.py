from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient


def test_the_session_azurite_serves_blob_queue_and_table(storage_connection_string: str, unique_name: str) -> None:
    container = BlobServiceClient.from_connection_string(storage_connection_string).create_container(unique_name)
    container.upload_blob("a/b.txt", b"hello")
    assert container.download_blob("a/b.txt").readall() == b"hello"
    queue = QueueClient.from_connection_string(storage_connection_string, unique_name)
    queue.create_queue()
    queue.send_message("m")
    assert [m.content for m in queue.receive_messages()] == ["m"]
    table = TableServiceClient.from_connection_string(storage_connection_string).create_table(unique_name)
    table.create_entity({"PartitionKey": "p", "RowKey": "r", "v": 1})
    assert table.get_entity("p", "r")["v"] == 1
